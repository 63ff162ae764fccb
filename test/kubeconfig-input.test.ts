// A kubeconfig that misleads, given to `shakedown run` in a child process: each is refused before
// anything connects, with exit 2 and SD_KUBECONFIG_INVALID in one line naming the file, the
// context's cluster or user entry, the field and what is allowed (they were SD_INTERNAL "this is a
// bug" at the first request). No stack trace, nothing written, nothing dialed: the kubeconfigs point
// at a loopback listener of the test, which must see no connection.
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CERT } from '../agent/testing/tls.ts';
import { fakeKubeconfig } from '../helpers/kube/testing/fake-apiserver.ts';
import { CLI } from './cli-child.ts';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  // What the run left in its working directory.
  written: string[];
}

function shakedown(args: string[]): Promise<Ran> {
  const cwd = mkdtempSync(join(tmpdir(), 'sd-cwd-'));
  const home = mkdtempSync(join(tmpdir(), 'sd-home-'));
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout,
          stderr,
          ms: Date.now() - started,
          written: readdirSync(cwd),
        }),
    );
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const HINT = /^hint: .+$/;

// The API server every kubeconfig names: a listener that counts the connections it is offered.
let listener: Server | undefined;
let dialed = 0;
let server = 'https://127.0.0.1:1';

function kubeconfig(edit: (text: string) => string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sd-kc-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    edit(fakeKubeconfig(server).replace(`server: ${server}`, 'server: https://127.0.0.1:1')).replace('server: https://127.0.0.1:1', `server: ${server}`),
  );
  return { dir, file };
}

const entry = (file: string, kind: 'cluster' | 'user') => `kubeconfig ${file}, ${kind} "${kind === 'cluster' ? 'fake' : 'tester'}" of context "fake"`;
const SERVER_ALLOWED = 'it must be an https:// (or http://) URL with a host, such as https://10.0.0.1:6443';

const cases: [what: string, make: () => { file: string; message: string }][] = [
  [
    'a server whose scheme is ftp',
    () => {
      const { file } = kubeconfig((text) => text.replace('server: https://127.0.0.1:1', 'server: ftp://127.0.0.1:1'));
      return { file, message: `${entry(file, 'cluster')}: server "ftp://127.0.0.1:1" uses the scheme ftp; ${SERVER_ALLOWED}` };
    },
  ],
  [
    'a server without a host',
    () => {
      const { file } = kubeconfig((text) => text.replace('server: https://127.0.0.1:1', 'server: "https://:6443"'));
      return { file, message: `${entry(file, 'cluster')}: server "https://:6443" has no valid host; ${SERVER_ALLOWED}` };
    },
  ],
  [
    'a client key that is not PEM',
    () => {
      const { file } = kubeconfig((text) =>
        text.replace('    token: test-token', `    client-certificate-data: ${b64(TEST_CERT)}\n    client-key-data: ${b64('garbage')}`),
      );
      return {
        file,
        message: `${entry(file, 'user')}: client-key-data is not PEM (no -----BEGIN ... PRIVATE KEY----- block); it must hold the unencrypted PEM private key of the client certificate`,
      };
    },
  ],
  [
    'a client certificate file that is not PEM',
    () => {
      const { dir, file } = kubeconfig((text) => text.replace('    token: test-token', '    client-certificate: me.crt\n    client-key: me.key'));
      writeFileSync(join(dir, 'me.crt'), 'garbage');
      writeFileSync(join(dir, 'me.key'), 'garbage');
      return {
        file,
        message: `${entry(file, 'user')}: client-certificate ${join(dir, 'me.crt')} is not PEM (no -----BEGIN CERTIFICATE----- block); it must hold a PEM client certificate`,
      };
    },
  ],
  [
    'a CA file that is missing',
    () => {
      const { dir, file } = kubeconfig((text) => text.replace(/ {4}certificate-authority-data: .*/, '    certificate-authority: ca.crt'));
      return {
        file,
        message: `${entry(file, 'cluster')}: certificate-authority ${join(dir, 'ca.crt')} does not exist; it must name a readable PEM file (or use certificate-authority-data)`,
      };
    },
  ],
  [
    'a kubeconfig that is a directory',
    () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'sd-kc-')), 'kubeconfig');
      mkdirSync(dir);
      return { file: dir, message: `kubeconfig ${dir} is a directory, not a file` };
    },
  ],
];

// Root reads any file whatever its mode: the unreadable file is tested only as another user.
const root = process.getuid?.() === 0;
if (!root) {
  cases.push([
    'a kubeconfig that is not readable',
    () => {
      const { file } = kubeconfig((text) => text);
      chmodSync(file, 0o000);
      return { file, message: `kubeconfig ${file} is not readable (permission denied)` };
    },
  ]);
}

describe('shakedown run with a misleading kubeconfig', { timeout: 120_000 }, () => {
  const timings: string[] = [];
  beforeAll(async () => {
    const open = createServer((socket) => {
      dialed++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    listener = open;
    server = `https://127.0.0.1:${(open.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    console.log(`from start to refusal: ${timings.join('; ')}`);
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('dials the listener when the kubeconfig is valid (the control: a refusal below that dials nothing is one before the network)', async () => {
    const { file } = kubeconfig((text) => text);
    const before = dialed;
    const ran = await shakedown(['run', '--kubeconfig', file, '--suite', 'smoke']);
    expect(ran.stdout + ran.stderr).toMatch(/^error SD_API_UNREACHABLE: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ /);
    expect(dialed - before).toBeGreaterThan(0);
  });

  it.each(cases)('refuses %s: exit 2, one line naming the file, entry and field, no stack, nothing written', async (what, make) => {
    const { file, message } = make();
    const before = dialed;
    const ran = await shakedown(['run', '--kubeconfig', file]);
    timings.push(`${what} ${ran.ms} ms`);
    expect(ran.code).toBe(2);
    // Bad input, refused before the run starts: on stderr, stdout stays empty, no report is written.
    expect(ran.stdout).toBe('');
    const lines = ran.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`error SD_KUBECONFIG_INVALID: ${message}`);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(HINT);
    expect(ran.stderr).not.toMatch(/this is a bug|SD_INTERNAL|^\s+at /m);
    expect(ran.written).toEqual([]);
    // Refused before anything is dialed (nothing waits on the network).
    expect(dialed - before).toBe(0);
  });
});
