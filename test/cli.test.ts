// The CLI end to end, in a child process: flags, exit codes, one-line errors, reports written
// even when setup fails. Network traffic goes to 127.0.0.1 only.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeKubeconfig, startFakeApiServer, type FakeApiServer } from '../helpers/kube/testing/fake-apiserver.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'cli', 'shakedown.ts');
// The same CLI over the toy suites of test/fixtures/suites.
const FIXTURE_CLI = join(ROOT, 'test', 'fixture-cli.ts');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function shakedown(args: string[], env: Record<string, string> = {}, cli = CLI): Promise<Ran> {
  const home = mkdtempSync(join(tmpdir(), 'sd-home-'));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
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
    expect(command.stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: unknown command "launch"; commands: run, gate, diff, history, deploy, list, cleanup, images',
    );
    const suite = await shakedown(['run', '--suite', 'nope']);
    expect(suite.code).toBe(2);
    expect(suite.stderr.split('\n')[0]).toMatch(/^error SD_BAD_FLAG: --suite names no suite: nope \(suites: .*smoke/);
  });

  it('names the config file and key of a bad setting', async () => {
    const config = tempFile('shakedown.json', '{"probeTimeout": "fast"}');
    const ran = await shakedown(['run', '--config', config]);
    expect(ran.code).toBe(2);
    expect(ran.stderr.split('\n')[0]).toBe(
      `error SD_CONFIG_INVALID: ${config}: key "probeTimeout" must be a duration such as 500ms, 30s, 2m or 1h, got "fast"`,
    );
  });

  it('reports an unreachable API server with exit 2 and SD_API_UNREACHABLE, and still writes JUnit and JSON', async () => {
    const kubeconfig = tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1'));
    const out = mkdtempSync(join(tmpdir(), 'sd-reports-'));
    const ran = await shakedown(['run', '--kubeconfig', kubeconfig, '--junit', join(out, 'junit.xml'), '--json', join(out, 'report.json')]);
    expect(ran.code).toBe(2);
    expect(ran.stdout.split('\n')[0]).toBe(
      'error SD_API_UNREACHABLE: cannot reach the API server at https://127.0.0.1:1 (context "fake"): connection refused (ECONNREFUSED)',
    );
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain(
      '<failure message="cannot reach the API server at https://127.0.0.1:1 (context &quot;fake&quot;): connection refused (ECONNREFUSED)" type="SD_API_UNREACHABLE">',
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    // Every report says which shakedown wrote it.
    expect(report.run.properties['shakedown.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(junit).toMatch(/<property name="shakedown\.version" value="\d+\.\d+\.\d+[^"]*"\/>/);
    expect(report).toMatchObject({
      complete: false,
      errors: [{ code: 'SD_API_UNREACHABLE' }],
      run: { cluster: { server: 'https://127.0.0.1:1', context: 'fake' } },
    });
  });

  it('reports a bad kubeconfig, a missing one and an unknown context with exit 2', async () => {
    const garbage = await shakedown(['run', '--kubeconfig', tempFile('kubeconfig', 'not: [a kubeconfig')]);
    expect(garbage.code).toBe(2);
    // Bad input: one line on stderr before the run starts, nothing on stdout.
    expect(garbage.stderr).toMatch(/^error SD_KUBECONFIG_INVALID: kubeconfig .* cannot be parsed: /);
    expect(garbage.stdout).toBe('');
    const none = await shakedown(['run']);
    expect(none.code).toBe(2);
    expect(none.stdout.split('\n')[0]).toBe(
      'error SD_KUBECONFIG_INVALID: no kubeconfig: --kubeconfig, SHAKEDOWN_KUBECONFIG and KUBECONFIG are unset and ~/.kube/config does not exist',
    );
    const context = await shakedown(['run', '--context', 'prod'], { KUBECONFIG: tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1')) });
    expect(context.code).toBe(2);
    expect(context.stderr.split('\n')[0]).toMatch(/^error SD_KUBECONFIG_INVALID: context "prod" is not in .*; it has: fake$/);
  });

  it('reports missing permissions with exit 2 and SD_FORBIDDEN, naming them, before creating anything', async () => {
    server = await startFakeApiServer({ denied: ['create namespaces', 'get pods/proxy'] });
    const out = mkdtempSync(join(tmpdir(), 'sd-reports-'));
    const ran = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'services', '--junit', join(out, 'junit.xml')]);
    expect(ran.code).toBe(2);
    expect(ran.stdout.split('\n')[0]).toMatch(
      /^error SD_FORBIDDEN: context "fake" may not create namespaces \(engine: the run namespace\), get pods\/proxy in namespace sd-\d{8}-[0-9a-f]{6} \(engine: reaching the probe agents through the API server \(GET\)\)$/,
    );
    expect(server.requests.filter((r) => r.method !== 'GET' && !/selfsubject(access|rules)reviews/.test(r.path))).toEqual([]);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('type="SD_FORBIDDEN"');
  });

  it('says its version, commit and Node.js version, as version and --version', async () => {
    const version = await shakedown(['version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^shakedown \d+\.\d+\.\d+( \(commit [0-9a-f]{12}\))?, Node\.js v24\.\d+\.\d+\n$/);
    expect((await shakedown(['--version'])).stdout).toBe(version.stdout);
    const extra = await shakedown(['version', '--json', 'x']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/^error SD_BAD_FLAG: unknown flag --json for `shakedown version`/);
  });

  it('puts --junit-property KEY=VALUE into the JUnit report, and refuses one that is not KEY=VALUE or that shakedown owns', async () => {
    const kubeconfig = tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1'));
    const junit = join(mkdtempSync(join(tmpdir(), 'sd-reports-')), 'junit.xml');
    await shakedown(['run', '--kubeconfig', kubeconfig, '--junit', junit, '--junit-property', 'build=1234', '--junit-property', 'cluster-name=lab=a']);
    expect(readFileSync(junit, 'utf8')).toContain('<property name="build" value="1234"/>');
    expect(readFileSync(junit, 'utf8')).toContain('<property name="cluster-name" value="lab=a"/>');
    const bad = await shakedown(['run', '--kubeconfig', kubeconfig, '--junit-property', 'build']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('error SD_BAD_FLAG: --junit-property must be KEY=VALUE, got "build"');
    const owned = await shakedown(['run', '--kubeconfig', kubeconfig, '--junit', junit, '--junit-property', 'shakedown.version=9']);
    expect(owned.code).toBe(2);
    expect(owned.stderr).toMatch(/JUnit property "shakedown\.version": shakedown\.\* and cluster\.\* are written by shakedown itself/);
  });

  it('lists the suites and their checks without touching a cluster', async () => {
    const ran = await shakedown(['list']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^smoke {2}The probe fleet answers/m);
    expect(ran.stdout).toMatch(
      /^ {2}pod to pod over HTTP, TCP and UDP +each agent of the fleet's sample \(every zone and node pool\) reaches the others' pod IPs/m,
    );
    expect(ran.stdout).toMatch(/^ {2}truth tables › enforcement latency within the bound +every policy change was enforced/m);
  });

  it('lists only the checks --check and --skip-check select, a way to try a pattern', async () => {
    const ran = await shakedown(['list', '--check', 'dns/*', '--check', 'smoke › pod to pod*', '--skip-check', 'dns/load › *', '--skip-check', '*record*']);
    expect(ran.code).toBe(0);
    const titles = ran.stdout
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim().split(/ {2,}/)[0]);
    expect(
      ran.stdout
        .split('\n')
        .filter((line) => /^\S/.test(line))
        .map((line) => line.split(' ')[0]),
    ).toEqual(['dns', 'smoke']);
    expect(titles).toContain('CoreDNS replicas are ready and behind the DNS Service');
    expect(titles).toContain('pod to pod over HTTP, TCP and UDP');
    expect(titles.filter((title) => /load ›|record/.test(title ?? ''))).toEqual([]);
  });

  it('lists from the manifests alone: a suite whose code cannot even be loaded is listed', async () => {
    const ran = await shakedown(['list', '--verbose'], {}, FIXTURE_CLI);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^broken {2}never defined$/m);
    expect(ran.stdout).toMatch(/^ {2}sequential › second +runs alone$/m);
    expect(ran.stdout).toContain('  setup: none (read-only)\n  option --readonly-greeting TEXT (default hello)');
    expect(ran.stderr).toBe('');
  });

  it('lists every suite option, grouped by suite, in --help and run --help', async () => {
    const main = await shakedown(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(
      /suite options \(shakedown run\), by suite:\n {2}suite certificates:\n {4}--cert-warn-days 0\.\.3650 +a certificate with fewer days left/,
    );
    expect(main.stdout).toMatch(/\n {2}suite dns:\n {4}--dns-external-name TEXT +a name outside the cluster/);
    expect(main.stdout).toMatch(/--dns-queries 10\.\.5000 +DNS load check: .*\(default 500\); env SHAKEDOWN_DNS_QUERIES, config key "dnsQueries"/);
    expect(main.stdout).toMatch(
      /suite netpol:\n {4}--netpol-bound DURATION +how long a NetworkPolicy change may take .*\(default 30s\); env SHAKEDOWN_NETPOL_BOUND, config key "netpolBound"/,
    );
    expect(main.stdout).toMatch(/suite nodeport:\n {4}--node-port-from-runner auto\|on\|off/);
    const run = await shakedown(['run', '--help']);
    expect(run.stdout).toMatch(/^options of suite dns:$/m);
    expect(run.stdout).toMatch(/^ {2}--netpol-bound DURATION /m);
    expect((await shakedown(['list', '--help'])).stdout).not.toContain('--netpol-bound');
  });

  it('rejects a bad suite option with exit 2, naming it and its source, before touching the cluster', async () => {
    server = await startFakeApiServer();
    const flag = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'netpol', '--netpol-bound', '5']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.split('\n')[0]).toBe('error SD_BAD_FLAG: --netpol-bound must be a duration such as 500ms, 30s, 2m or 1h, got "5"');
    const env = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'netpol'], { SHAKEDOWN_NETPOL_BOUND: '2h' });
    expect(env.code).toBe(2);
    expect(env.stderr.split('\n')[0]).toBe('error SD_CONFIG_INVALID: SHAKEDOWN_NETPOL_BOUND must be from 1s to 10m, got 2h');
    const config = tempFile('shakedown.json', '{"dnsQueries": 1}');
    const file = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--config', config]);
    expect(file.code).toBe(2);
    expect(file.stderr.split('\n')[0]).toBe(`error SD_CONFIG_INVALID: ${config}: key "dnsQueries" must be an integer from 10 to 5000, got 1`);
    expect(server.requests).toEqual([]);
  });

  it('runs a read-only suite without creating anything, its option resolved, and exits 0', async () => {
    server = await startFakeApiServer();
    const out = mkdtempSync(join(tmpdir(), 'sd-reports-'));
    const ran = await shakedown(
      ['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'readonly', '--readonly-greeting', 'hi', '--json', join(out, 'report.json')],
      {},
      FIXTURE_CLI,
    );
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.results).toEqual([
      expect.objectContaining({ suite: 'readonly', check: 'sees its option', status: 'pass', message: expect.stringMatching(/^hi from sd-/) }),
    ]);
    // Reads and access reviews only: no namespace, no pod, nothing deleted.
    expect(server.requests.filter((r) => r.method !== 'GET' && !/selfsubject(access|rules)reviews/.test(r.path))).toEqual([]);
    const asked = server.requests.filter((r) => r.path.includes('selfsubjectaccessreviews')).map((r) => JSON.parse(r.body).spec);
    expect(asked).toContainEqual({ nonResourceAttributes: { verb: 'get', path: '/readyz' } });
    expect(asked.some((spec) => spec.resourceAttributes?.verb === 'create')).toBe(false);
  });

  it('exits 2 when a report cannot be written, naming the file and the OS error, though every check passed', async () => {
    server = await startFakeApiServer();
    // A device that takes every path check and refuses every write (ENOSPC).
    const junit = '/dev/full';
    const ran = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'readonly', '--junit', junit], {}, FIXTURE_CLI);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toMatch(/1 passed/);
    const line = ran.stderr.split('\n').find((l) => l.startsWith('error '));
    expect(line).toContain(`reporter junit failed in onRunEnd: cannot write ${junit}: `);
  });

  it('prints the images a run uses, and help for each command', async () => {
    const images = await shakedown(['images']);
    expect(images).toEqual({ code: 0, stdout: 'docker.io/library/node:24.21.0-alpine\n', stderr: '' });
    expect((await shakedown(['images', '--probe-image', 'registry.corp/node:24'])).stdout).toBe('registry.corp/node:24\n');
    // From the manifests: the images a suite declares; no probe image for a read-only suite.
    expect((await shakedown(['images'], {}, FIXTURE_CLI)).stdout).toBe('docker.io/library/node:24.21.0-alpine\nregistry.example/toy:1\n');
    expect((await shakedown(['images', '--suite', 'readonly'], {}, FIXTURE_CLI)).stdout).toBe('');
    const help = await shakedown(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--probe-image TEXT');
    expect(help.stdout).toContain('env SHAKEDOWN_PROBE_IMAGE, config key "probeImage"');
    expect(existsSync(CLI)).toBe(true);
  });
});

describe('shakedown CLI: report paths', { timeout: 30_000 }, () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('--json - puts exactly one JSON document on stdout and the console on stderr', async () => {
    server = await startFakeApiServer();
    const ran = await shakedown(['run', '--kubeconfig', server.kubeconfigPath, '--suite', 'readonly', '--json', '-'], {}, FIXTURE_CLI);
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    expect(report).toMatchObject({ complete: true, results: [{ suite: 'readonly', status: 'pass' }] });
    expect(ran.stderr).toMatch(/^1 passed/m);
    expect(existsSync(join(ROOT, '-'))).toBe(false);
  });

  it('--junit - after a setup error (an unreachable API server) is still one document on stdout, the error on stderr', async () => {
    const kubeconfig = tempFile('kubeconfig', fakeKubeconfig('https://127.0.0.1:1'));
    const ran = await shakedown(['run', '--kubeconfig', kubeconfig, '--junit', '-']);
    expect(ran.code).toBe(2);
    expect(ran.stdout.match(/<\?xml /g)).toHaveLength(1);
    expect(ran.stdout).toMatch(/^<\?xml [^]*<\/testsuites>\n$/);
    expect(ran.stdout).toContain('type="SD_API_UNREACHABLE"');
    expect(ran.stderr).toMatch(/^error SD_API_UNREACHABLE: /m);
  });

  it('refuses a bad report path at once, before the kubeconfig is read: exit 2, one error naming the flag and the path, nothing created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-report-paths-'));
    const cases: [string[], string][] = [
      [['--junit', '/proc/x/j.xml'], 'error SD_BAD_FLAG: --junit /proc/x/j.xml: is under /proc, on procfs (a kernel filesystem): no report is written there'],
      [['--json', join(dir, 'typo', 'r.json')], `error SD_BAD_FLAG: --json ${join(dir, 'typo', 'r.json')}: the directory ${join(dir, 'typo')} does not exist`],
      [['--html', dir], `error SD_BAD_FLAG: --html ${dir}: is a directory; name a file in it`],
      [['--json', '-', '--junit', '-'], 'error SD_BAD_FLAG: --junit and --json are both - (standard output): only one report can go there'],
    ];
    for (const [flags, line] of cases) {
      const started = performance.now();
      // A kubeconfig that does not exist: had it been read, the error would say so.
      const ran = await shakedown(['run', '--kubeconfig', join(dir, 'no-kubeconfig'), ...flags]);
      expect(performance.now() - started, line).toBeLessThan(2000);
      expect(ran.code).toBe(2);
      expect(ran.stdout).toBe('');
      expect(ran.stderr.split('\n').filter((l) => l.startsWith('error '))).toEqual([line]);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a bad report path of deploy --wait and gate the same way', async () => {
    const gate = await shakedown(['gate', '--target-version', '1.35', '--json', '/proc/x/r.json']);
    expect(gate.code).toBe(2);
    expect(gate.stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: --json /proc/x/r.json: is under /proc, on procfs (a kernel filesystem): no report is written there',
    );
    const deploy = await shakedown(['deploy', '--wait', '--junit', '/sys/j.xml']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr.split('\n')[0]).toBe('error SD_BAD_FLAG: --junit /sys/j.xml: is on sysfs (a kernel filesystem): no report is written there');
  });
});
