import { loadAllYaml } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METRICS_APISERVICE, metricsApiService, metricsServerManifest } from './metrics-server.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const dir = mkdtempSync(join(tmpdir(), 'metrics-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const serving = { cert: file('tls.crt', 'SERVING CERT\n'), key: file('tls.key', 'SERVING KEY\n') };
const ca = file('ca.crt', 'CLUSTER CA\n');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const docs = [...(loadAllYaml(metricsServerManifest(serving, 'localhost/shakedown/metrics-server:v9.9.9')) as Obj[]), metricsApiService(ca) as Obj];
const find = (kind: string, name?: string): Obj => {
  const found = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in the metrics-server manifest`);
  return found;
};

interface Container {
  image: string;
  args: string[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
const pod = (): {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
} => (find('Deployment').spec as { template: { spec: ReturnType<typeof pod> } }).template.spec;

describe('metrics-server manifest', () => {
  it('registers v1beta1.metrics.k8s.io with the cluster CA as caBundle, never insecureSkipTLSVerify', () => {
    const api = find('APIService', METRICS_APISERVICE).spec ?? {};
    expect(api).toMatchObject({
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
      caBundle: b64('CLUSTER CA\n'),
    });
    expect(api).not.toHaveProperty('insecureSkipTLSVerify');
  });

  it('serves the harness-signed certificate from its Secret', () => {
    expect(find('Secret', 'metrics-server-tls').data).toEqual({ 'tls.crt': b64('SERVING CERT\n'), 'tls.key': b64('SERVING KEY\n') });
    const [c] = pod().containers;
    expect(c?.args).toEqual(
      expect.arrayContaining(['--tls-cert-file=/etc/metrics-server/tls/tls.crt', '--tls-private-key-file=/etc/metrics-server/tls/tls.key']),
    );
    expect(pod().volumes).toContainEqual({ name: 'tls', secret: { secretName: 'metrics-server-tls' } });
  });

  it('verifies each kubelet against the cluster CA at the address its serving certificate names', () => {
    const [c] = pod().containers;
    expect(c?.args).toEqual(
      expect.arrayContaining([
        '--kubelet-certificate-authority=/etc/metrics-server/kubelet-ca/ca.crt',
        '--kubelet-preferred-address-types=InternalIP',
        '--kubelet-use-node-status-port',
      ]),
    );
    expect(c?.args.join(' ')).not.toContain('insecure');
    expect(pod().volumes).toContainEqual({ name: 'kubelet-ca', configMap: { name: 'kube-root-ca.crt' } });
  });

  it('runs non-root from the image made here, and only in kube-system', () => {
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = pod().containers;
    expect(c?.image).toBe('localhost/shakedown/metrics-server:v9.9.9');
    expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    for (const d of docs.filter((o) => o.metadata.namespace !== undefined)) expect(d.metadata.namespace, `${d.kind} ${d.metadata.name}`).toBe('kube-system');
  });
});
