import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAll } from '../config.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { runShakedown } from './run.ts';
import { discoverSuites, loadSuites, PACKAGE_ROOT } from './suites.ts';

// A whole run in process, against a fake API server, of two toy suites (test/fixtures/engine-batches):
// "together" runs with the others, "alone" is exclusive and runs after them. The exclusive suite's
// workers load while the first batch runs (together's check lasts until alone's module has loaded,
// or 20 s), and nothing of it is reported before its turn.
const suites = await loadSuites(discoverSuites(join(PACKAGE_ROOT, 'test', 'fixtures', 'engine-batches'), PACKAGE_ROOT));
let server: FakeApiServer;
beforeAll(async () => {
  server = await startFakeApiServer();
});
afterAll(async () => {
  delete process.env.SHAKEDOWN_TEST_LOADED;
  await server.close();
});

describe('a run with a suite that runs alone', { timeout: 60_000 }, () => {
  it('runs the exclusive suite after the others end, and reports nothing of it before', async () => {
    const { settings } = resolveAll([], { flags: {}, env: {}, cwd: PACKAGE_ROOT });
    const events: string[] = [];
    const at = new Map<string, number>();
    const loaded = join(mkdtempSync(join(tmpdir(), 'sd-batches-')), 'loaded');
    process.env.SHAKEDOWN_TEST_LOADED = loaded;
    const noop = async () => {};
    const outcome = await runShakedown({
      settings,
      suites,
      root: PACKAGE_ROOT,
      kubeconfig: { paths: [server.kubeconfigPath], origin: 'flag' },
      stderr: { write: () => true },
      reporter: {
        onPlan: noop,
        onRunStart: noop,
        onSuiteStart: async (suite) => void events.push(`suite ${suite}`),
        onCheckStart: async (suite, check) => void events.push(`start ${suite} › ${check}`),
        onCheckEnd: async (result) => void (events.push(`end ${result.suite} › ${result.check}: ${result.status}`), at.set(`end ${result.suite}`, Date.now())),
        onProgress: async (event) => void (/^(running|starting) /.test(event.line) ? events.push(`progress ${event.line}`) : undefined),
        onSetupError: noop,
        onRunEnd: noop,
        flush: noop,
      },
    });
    expect(outcome.exitCode).toBe(0);
    const run = events.filter((event) => !event.startsWith('suite setup'));
    expect(run).toEqual([
      'progress running the suite: together',
      'suite together',
      'start together › takes a moment',
      'end together › takes a moment: pass',
      'progress starting the suite: alone',
      'suite alone',
      'start alone › runs alone',
      'end alone › runs alone: pass',
    ]);
    // Its workers had loaded it while the other suite ran: its check could start at once (about 0.1 s
    // after the other suite's last check here; started only at its turn, vitest and the suite
    // loading took 3.5 s).
    expect(Number(readFileSync(loaded, 'utf8'))).toBeLessThanOrEqual(at.get('end together') ?? 0);
  });
});
