import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../../../agent/testing/tls.ts';
import { webhookObjects } from './webhook.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-webhook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'tls.crt');
const key = join(dir, 'tls.key');
writeFileSync(cert, TEST_CERT);
writeFileSync(key, TEST_KEY);

describe('the webhook objects', () => {
  it('put the CA into the caBundle, the key pair into a TLS Secret and the server into a ConfigMap, namespace first', () => {
    const stream = webhookObjects({ caCert: cert, cert, key }, 'localhost/shakedown/node:24');
    const docs = stream.split('\n---\n');
    expect(docs[0]).toContain('kind: Namespace');
    expect(stream).toContain(`caBundle: ${Buffer.from(TEST_CERT).toString('base64')}`);
    expect(stream).toContain('image: localhost/shakedown/node:24');
    expect(stream).toContain('failurePolicy: Ignore');
    const secret = JSON.parse(docs[2] ?? '{}') as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(secret.data['tls.key'] ?? '', 'base64').toString()).toBe(TEST_KEY);
    const configMap = JSON.parse(docs[1] ?? '{}') as { data: Record<string, string> };
    expect(configMap.data['server.ts']).toContain('AdmissionReview');
  });
});

describe('the webhook server', () => {
  it('serves TLS and allows every AdmissionReview, echoing its uid', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'server.ts'), cert, key, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const match = /serving on :(\d+)/.exec(chunk.toString());
          if (match !== null) resolve(Number(match[1]));
        });
        child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1' } });
      const answer = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/validate', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(JSON.parse(answer)).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true } });
    } finally {
      child.kill();
    }
  });
});
