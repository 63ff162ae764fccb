import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult } from '../helpers/result.ts';
import { createRunReporters } from './run-reporters.ts';
import { createSonobuoyReporter, renderSonobuoyResults, sonobuoyResults, SONOBUOY_FILES, SONOBUOY_RESULTS_DIR, type SonobuoyItem } from './sonobuoy.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-sonobuoy-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const results = (): CheckResult[] => [
  passed('dns', 'resolves kubernetes.default'),
  warned('certificates', 'API server certificate expiry'),
  skipped('services', 'session affinity', { skipReason: 'no second node to spread over' }),
  failed('services', 'hairpin'),
  passed('services', 'named port'),
];

const snapshot = (overrides: Partial<Parameters<typeof sonobuoyResults>[0]> = {}) => ({
  run: runInfo(),
  results: results(),
  setupErrors: [],
  complete: true,
  writtenAt: new Date('2025-01-01T10:01:31Z'),
  ...overrides,
});

const leaves = (item: SonobuoyItem): SonobuoyItem[] => (item.items === undefined ? [item] : item.items.flatMap(leaves));

describe('sonobuoy results tree', () => {
  it('has one item per suite and per check, statuses as sonobuoy counts them, each note in its details', () => {
    const tree = sonobuoyResults(snapshot());
    expect(tree.name).toBe('shakedown');
    expect(tree.status).toBe('failed');
    expect(tree.items?.map((suite) => [suite.name, suite.status])).toEqual([
      ['dns', 'passed'],
      ['certificates', 'passed'],
      ['services', 'failed'],
    ]);
    const byName = new Map(leaves(tree).map((leaf) => [leaf.name, leaf]));
    expect(byName.get('resolves kubernetes.default')).toEqual({
      name: 'resolves kubernetes.default',
      status: 'passed',
      details: { message: 'all 9 pairs answered' },
    });
    // A warning passes, as in the JUnit, and keeps what it says.
    expect(byName.get('API server certificate expiry')).toMatchObject({
      status: 'passed',
      details: {
        warning: 'the serving certificate expires in 40 days',
        evidence: '--- certificate ---\nnotAfter 2025-02-10T00:00:00Z',
        'likely-cause': 'certificate rotation is not automated',
      },
    });
    expect(byName.get('session affinity')).toEqual({
      name: 'session affinity',
      status: 'skipped',
      details: { 'skip-reason': 'no second node to spread over' },
    });
    expect(byName.get('hairpin')).toMatchObject({
      status: 'failed',
      details: {
        failure: 'expected x/b -> y/a blocked, observed allowed',
        classification: 'not-enforced',
        reproduce: 'kubectl exec -n sd-x b -- agent probe y/a:80',
        log: 'applied deny-all to y\nprobe x/b -> y/a: connected',
      },
    });
    // The counts sonobuoy prints: a warned check among the passed ones.
    const summary = summarize(results());
    const count = (status: string) => leaves(tree).filter((leaf) => leaf.status === status).length;
    expect([count('passed'), count('failed'), count('skipped')]).toEqual([summary.passed + summary.warned, summary.failed, summary.skipped]);
  });

  it('makes a waived failure a skipped item, as the JUnit does: the waiver as its skip reason, the failure in its details', () => {
    const tree = sonobuoyResults(snapshot({ results: [passed('netpol', 'ingress is enforced'), waivedFailure('netpol', 'egress is enforced')] }));
    expect(tree.status).toBe('passed');
    expect(leaves(tree)[1]).toEqual({
      name: 'egress is enforced',
      status: 'skipped',
      details: {
        'skip-reason': 'waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234)',
        waiver: 'netpol/*',
        failure: 'expected x/b -> y/a blocked, observed allowed',
        classification: 'not-enforced',
        evidence: '--- reachability (expected vs observed) ---\n      y/a\nx/b   X .',
        'likely-cause': 'the CNI does not enforce NetworkPolicy',
        reproduce: 'kubectl exec -n sd-x b -- agent probe y/a:80',
        log: 'applied deny-all to y\nprobe x/b -> y/a: connected',
      },
    });
  });

  it('makes a setup error a failed item, and a report written before the end a failed "run completed", as the JUnit does', () => {
    const setup = sonobuoyResults(snapshot({ results: [], setupErrors: [new ShakedownError('SD_KUBECONFIG_INVALID', 'no kubeconfig')], complete: false }));
    expect(setup.status).toBe('failed');
    expect(leaves(setup)).toEqual([{ name: 'setup', status: 'failed', details: expect.objectContaining({ failure: 'SD_KUBECONFIG_INVALID: no kubeconfig' }) }]);
    const partial = sonobuoyResults(snapshot({ results: [passed('dns', 'a')], complete: false }));
    expect(leaves(partial).map((leaf) => [leaf.name, leaf.status])).toEqual([
      ['a', 'passed'],
      ['run completed', 'failed'],
    ]);
  });

  it('writes YAML whose every value is a quoted string, whatever a message holds', () => {
    const text = renderSonobuoyResults(
      snapshot({ results: [passed('dns', 'quotes " and: colons', { message: 'line\nbreak\u2028 - [not, a list] #not a comment' })] }),
    );
    expect(text).toBe(
      [
        "# shakedown's results in sonobuoy's results format (result-format: manual)",
        'name: "shakedown"',
        'status: "passed"',
        'details:',
        '  run-id: "sd-20250101-abcd"',
        '  complete: "true"',
        '  started-at: "2025-01-01T10:00:00.000Z"',
        '  finished-at: "2025-01-01T10:01:30.500Z"',
        '  cluster-server: "https://10.0.0.1:6443"',
        '  cluster-version: "v1.31.2"',
        'items:',
        '  - name: "dns"',
        '    status: "passed"',
        '    items:',
        '      - name: "quotes \\" and: colons"',
        '        status: "passed"',
        '        details:',
        '          message: "line\\nbreak\\u2028 - [not, a list] #not a comment"',
        '',
      ].join('\n'),
    );
  });
});

describe('sonobuoy reporter', () => {
  const files = async () => (await readdir(dir)).sort();

  it('writes the reports, then the done file naming the results directory', async () => {
    const reporter = createSonobuoyReporter({ dir });
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    for (const result of results()) await reporter.onCheckEnd?.(result);
    expect(await files()).toEqual([]);
    await reporter.onRunEnd?.(runInfo(), results(), summarize(results()));
    expect(await files()).toEqual([SONOBUOY_FILES.done, SONOBUOY_FILES.html, SONOBUOY_FILES.junit, SONOBUOY_FILES.json, SONOBUOY_FILES.results].sort());
    expect(await readFile(join(dir, 'done'), 'utf8')).toBe(`${dir}\n`);
    expect(JSON.parse(await readFile(join(dir, SONOBUOY_FILES.json), 'utf8'))).toMatchObject({
      complete: true,
      summary: { passed: 2, warned: 1, failed: 1, skipped: 1 },
    });
    expect(await readFile(join(dir, SONOBUOY_FILES.junit), 'utf8')).toContain('<testsuites name="shakedown" tests="5" failures="1" errors="0" skipped="1"');
  });

  it('after a setup error, writes the partial reports and the done file on flush', async () => {
    const reporter = createSonobuoyReporter({ dir });
    await reporter.onSetupError?.(new ShakedownError('SD_INTERRUPTED', 'the run was interrupted by SIGTERM'), runInfo({ finishedAt: null }));
    await reporter.flush?.();
    expect(await readFile(join(dir, 'done'), 'utf8')).toBe(`${dir}\n`);
    expect(JSON.parse(await readFile(join(dir, SONOBUOY_FILES.json), 'utf8'))).toMatchObject({ complete: false, errors: [{ code: 'SD_INTERRUPTED' }] });
    expect(await readFile(join(dir, SONOBUOY_FILES.results), 'utf8')).toContain('failure: "SD_INTERRUPTED: the run was interrupted by SIGTERM"');
  });

  it('still writes the done file when a report cannot be written, and passes the failure on', async () => {
    // The JSON report's path is taken by a directory: that report fails, the others and done do not.
    await mkdir(join(dir, SONOBUOY_FILES.json));
    await writeFile(join(dir, SONOBUOY_FILES.json, 'x'), '');
    const reporter = createSonobuoyReporter({ dir });
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    await expect(reporter.onRunEnd?.(runInfo(), [], summarize([]))).rejects.toMatchObject({
      code: 'SD_REPORTER_FAILED',
      message: expect.stringContaining('reporter json failed in onRunEnd'),
    });
    expect(await readFile(join(dir, 'done'), 'utf8')).toBe(`${dir}\n`);
    expect(await files()).toContain(SONOBUOY_FILES.junit);
  });

  it('is one of the run reporters when SONOBUOY_RESULTS_DIR is set, and only then', async () => {
    const silent = { write: () => true };
    const make = (env: Record<string, string>) =>
      createRunReporters({ junit: undefined, json: undefined, verbose: false, quiet: true, stdout: silent, stderr: silent, env });
    const without = make({});
    await without.onRunStart(runInfo({ finishedAt: null }));
    await without.onRunEnd(runInfo(), [], summarize([]));
    expect(await files()).toEqual([]);
    const within = make({ [SONOBUOY_RESULTS_DIR]: dir });
    await within.onRunStart(runInfo({ finishedAt: null }));
    await within.onRunEnd(runInfo(), [], summarize([]));
    expect(within.failures).toEqual([]);
    expect(await readFile(join(dir, 'done'), 'utf8')).toBe(`${dir}\n`);
  });
});

// The CLI in a child process, as sonobuoy's plugin container runs it: SIGTERM reaches shakedown,
// which stops its run and still leaves the reports and the done file behind.
describe('shakedown run in a sonobuoy plugin', () => {
  const bin = resolve(import.meta.dirname, '..', 'cli', 'shakedown.js');

  function runShakedown(
    env: Record<string, string>,
    args: string[],
    onStarted?: (child: ReturnType<typeof spawn>) => void,
  ): Promise<{ code: number | null; output: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [bin, 'run', '--suite', 'smoke', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // What it says, on either stream (the console, its errors).
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', fail);
      child.on('exit', (code) => done({ code, output }));
      onStarted?.(child);
    });
  }

  // A kubeconfig whose API server is at this address: a closed port refuses, a listener may stay silent.
  async function kubeconfigFor(port: number): Promise<string> {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: test, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: test, context: {cluster: test, user: u}}]',
        'current-context: test',
        '',
      ].join('\n'),
    );
    return kubeconfig;
  }

  it('after a setup error (the API server refuses connections), writes the reports and the done file', async () => {
    const results = join(dir, 'results');
    await mkdir(results);
    const ran = await runShakedown({ [SONOBUOY_RESULTS_DIR]: results }, ['--kubeconfig', await kubeconfigFor(1)]);
    expect(ran.output).toContain('SD_API_UNREACHABLE');
    expect(ran.code).not.toBe(0);
    expect(await readFile(join(results, 'done'), 'utf8')).toBe(`${results}\n`);
    expect(await readFile(join(results, SONOBUOY_FILES.results), 'utf8')).toContain('failure: "SD_API_UNREACHABLE: ');
  }, 60_000);

  it('refused before any run starts (a kubeconfig that does not exist), still writes its results and the done file', async () => {
    const results = join(dir, 'results');
    await mkdir(results);
    const ran = await runShakedown({ [SONOBUOY_RESULTS_DIR]: results }, ['--kubeconfig', join(dir, 'no-such-kubeconfig')]);
    expect(ran.code).toBe(2);
    expect(ran.output).toContain('SD_KUBECONFIG_INVALID');
    expect(await readFile(join(results, 'done'), 'utf8')).toBe(`${results}\n`);
    expect(await readFile(join(results, SONOBUOY_FILES.results), 'utf8')).toMatch(
      /status: "failed"[\s\S]*failure: "SD_KUBECONFIG_INVALID: kubeconfig .*no-such-kubeconfig/,
    );
  }, 60_000);

  it('on SIGTERM while the API server does not answer, stops and writes the done file', async () => {
    // An API server that accepts connections and never answers: the run waits on it until SIGTERM.
    const sockets: Socket[] = [];
    let connected: () => void = () => undefined;
    const firstConnection = new Promise<void>((resolve) => (connected = resolve));
    const server = createServer((socket) => {
      sockets.push(socket);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kubeconfig = await kubeconfigFor((server.address() as { port: number }).port);
    const results = join(dir, 'results');
    await mkdir(results);
    try {
      const ran = await runShakedown({ [SONOBUOY_RESULTS_DIR]: results }, ['--kubeconfig', kubeconfig], (child) => {
        void firstConnection.then(() => child.kill('SIGTERM'));
      });
      expect(ran.output).toContain('SIGTERM: stopping the run');
      expect(ran.code).not.toBe(0);
      expect(await readFile(join(results, 'done'), 'utf8')).toBe(`${results}\n`);
      expect(JSON.parse(await readFile(join(results, SONOBUOY_FILES.json), 'utf8'))).toMatchObject({ complete: false, errors: [{ code: 'SD_INTERRUPTED' }] });
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 60_000);
});
