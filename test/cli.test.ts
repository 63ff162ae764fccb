// The CLI end to end, in a child process: flags, exit codes, one-line errors, reports written
// even when setup fails. Network traffic goes to 127.0.0.1 only.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeKubeconfig, startFakeApiServer, type FakeApiServer } from '../helpers/kube/testing/fake-apiserver.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'cli', 'shakedown.ts');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function shakedown(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const home = mkdtempSync(join(tmpdir(), 'sd-home-'));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sd-cli-')), name);
  writeFileSync(path, content);
  return path;
}

describe('shakedown CLI', { timeout: 30_000 }, () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('rejects an unknown flag with exit 2 and a one-line reason and hint', async () => {
    const ran = await shakedown(['run', '--bogus']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe('error SD_BAD_FLAG: unknown flag --bogus for `shakedown run`\nhint: See `shakedown run --help`.\n');
  });

  it('rejects a bad flag value, an unknown command and an unknown suite with exit 2', async () => {
    const value = await shakedown(['run', '--concurrency', 'lots']);
    expect(value.code).toBe(2);
    expect(value.stderr.split('\n')[0]).toBe('error SD_BAD_FLAG: --concurrency must be an integer from 1 to 64, got "lots"');
    const command = await shakedown(['launch']);
    expect(command.code).toBe(2);
    expect(command.stderr.split('\n')[0]).toBe('error SD_BAD_FLAG: unknown command "launch"; commands: run, list, cleanup, images');
    const suite = await shakedown(['run', '--suite', 'nope']);
    expect(suite.code).toBe(2);
    expect(suite.stderr.split('\n')[0]).toMatch(/^error SD_BAD_FLAG: --suite names no suite: nope \(suites: .*smoke/);
  });

  it('names the config file and key of a bad setting', async () => {
    const config = tempFile('shakedown.json', '{"probeTimeout": "fast"}');
    const ran = await shakedown(['run', '--config', config]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.split('\n')[0]).toBe(`error SD_CONFIG_INVALID: ${config}: key "probeTimeout" must be a duration such as 500ms, 30s, 2m or 1h, got "fast"`);
  });

  it('reports an unreachable API server with exit 2 and SD_API_UNREACHABLE, and still writes JUnit and JSON', async () => {
    const kubeconfig = tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1'));
    const out = mkdtempSync(join(tmpdir(), 'sd-reports-'));
    const ran = await shakedown(['run', '--kubeconfig', kubeconfig, '--junit', join(out, 'junit.xml'), '--json', join(out, 'report.json')]);
    expect(ran.code).toBe(2);
    expect(ran.stdout.split('\n')[0]).toBe('error SD_API_UNREACHABLE: cannot reach the API server at https://127.0.0.1:1 (context "fake"): connection refused (ECONNREFUSED)');
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('<failure message="cannot reach the API server at https://127.0.0.1:1 (context &quot;fake&quot;): connection refused (ECONNREFUSED)" type="SD_API_UNREACHABLE">');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ complete: false, errors: [{ code: 'SD_API_UNREACHABLE' }], run: { cluster: { server: 'https://127.0.0.1:1', context: 'fake' } } });
  });

  it('reports a bad kubeconfig, a missing one and an unknown context with exit 2', async () => {
    const garbage = await shakedown(['run', '--kubeconfig', tempFile('kubeconfig', 'not: [a kubeconfig')]);
    expect(garbage.code).toBe(2);
    expect(garbage.stdout).toMatch(/^error SD_KUBECONFIG_INVALID: kubeconfig .* cannot be parsed: /);
    const none = await shakedown(['run']);
    expect(none.code).toBe(2);
    expect(none.stdout.split('\n')[0]).toBe('error SD_KUBECONFIG_INVALID: no kubeconfig: --kubeconfig, SHAKEDOWN_KUBECONFIG and KUBECONFIG are unset and ~/.kube/config does not exist');
    const context = await shakedown(['run', '--context', 'prod'], { KUBECONFIG: tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1')) });
    expect(context.code).toBe(2);
    expect(context.stdout.split('\n')[0]).toMatch(/^error SD_KUBECONFIG_INVALID: context "prod" is not in .*; it has: fake$/);
  });

  it('reports missing permissions with exit 2 and SD_FORBIDDEN, naming them, before creating anything', async () => {
    server = await startFakeApiServer({ denied: ['create namespaces', 'get pods/proxy'] });
    const out = mkdtempSync(join(tmpdir(), 'sd-reports-'));
    const ran = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--junit', join(out, 'junit.xml')]);
    expect(ran.code).toBe(2);
    expect(ran.stdout.split('\n')[0]).toMatch(/^error SD_FORBIDDEN: context "fake" may not create namespaces, get pods\/proxy in namespace sd-\d{8}-[0-9a-f]{6}$/);
    expect(server.requests.filter((r) => r.method !== 'GET' && !r.path.includes('selfsubjectaccessreviews'))).toEqual([]);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('type="SD_FORBIDDEN"');
  });

  it('lists the suites and their checks without touching a cluster', async () => {
    const ran = await shakedown(['list']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^smoke {2}The probe fleet answers/m);
    expect(ran.stdout).toMatch(/^ {2}pod to pod over HTTP, TCP and UDP +every agent reaches every agent pod IP/m);
  });

  it('prints the images a run uses, and help for each command', async () => {
    const images = await shakedown(['images']);
    expect(images).toEqual({ code: 0, stdout: 'docker.io/library/node:24.21.0-alpine\n', stderr: '' });
    expect((await shakedown(['images', '--probe-image', 'registry.corp/node:24'])).stdout).toBe('registry.corp/node:24\n');
    const help = await shakedown(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--probe-image TEXT');
    expect(help.stdout).toContain('env SHAKEDOWN_PROBE_IMAGE, config key "probeImage"');
    expect(existsSync(CLI)).toBe(true);
  });
});
