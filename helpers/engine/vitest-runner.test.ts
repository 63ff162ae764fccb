import { describe, expect, it } from 'vitest';
import { correlate, type CheckResult } from '../result.ts';
import { createVitestAdapter } from './adapter.ts';
import type { RunContext } from './run-context.ts';
import { PACKAGE_ROOT } from './suites.ts';
import { createSuiteRunner, shareCompileCache, withoutForeignListeners } from './vitest-runner.ts';
import { rateBudget } from '../kube/throttle.ts';

// Runs the toy suites under test/fixtures/suites through the real vitest, as a run would.
describe('createSuiteRunner with the vitest adapter', () => {
  it('turns every ending of a check, and a suite that cannot load, into a CheckResult', { timeout: 60_000 }, async () => {
    const events: string[] = [];
    const properties: Record<string, string> = {};
    const adapter = createVitestAdapter({
      onProperties: (p) => void Object.assign(properties, p),
      onSuiteStart: async (suite) => void events.push(`suite ${suite}`),
      onCheckStart: async (suite, check) => void events.push(`start ${suite}/${check}`),
      onCheckEnd: async (result) => void events.push(`end ${result.suite}/${result.check} ${result.status}`),
    });
    const runner = await createSuiteRunner({
      root: PACKAGE_ROOT,
      files: ['test/fixtures/suites/mixed/mixed.suite.ts', 'test/fixtures/suites/broken/broken.suite.ts'],
      reporter: adapter,
      concurrency: 4,
      checkTimeoutMs: 10_000,
      hookTimeoutMs: 10_000,
    });
    const sigints = process.listenerCount('SIGINT');
    await runner.run({ runId: 'sd-20250101-abcdef', namespace: 'sd-20250101-abcdef', rate: rateBudget(5) } as RunContext);
    await runner.close();
    expect(process.listenerCount('SIGINT')).toBe(sigints);

    const byCheck = new Map<string, CheckResult>(adapter.results.map((result) => [`${result.suite}/${result.check}`, result]));
    expect(byCheck.get('mixed/passes')).toMatchObject({ status: 'pass', message: 'run sd-20250101-abcdef in sd-20250101-abcdef' });
    expect(byCheck.get('mixed/fails with a classification')).toMatchObject({
      status: 'fail',
      classification: 'refused',
      message: 'expected allowed, saw refused',
      evidence: [{ label: 'endpoints', text: '10.0.0.1:8080' }],
      likelyCause: 'no endpoints',
      reproduce: 'kubectl get endpointslices',
    });
    expect(byCheck.get('mixed/fails with a classification')?.log?.[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} probing 10\.0\.0\.1:80$/);
    expect(byCheck.get('mixed/skips with a reason')).toMatchObject({ status: 'skip', skipReason: 'the cluster has one node' });
    expect(byCheck.get('mixed/throws')).toMatchObject({ status: 'fail', classification: 'error', message: 'boom' });
    expect(byCheck.get('mixed/asserts')).toMatchObject({ status: 'fail', classification: 'mismatch' });
    expect(byCheck.get('mixed/hangs')).toMatchObject({ status: 'fail', classification: 'timeout' });
    expect(byCheck.get('mixed/sequential › first')).toMatchObject({ status: 'pass', message: 'first done' });
    expect(byCheck.get('broken/suite loads')).toMatchObject({ status: 'fail', classification: 'error', message: 'this suite cannot be loaded' });
    expect(byCheck.get('broken/suite loads')?.evidence[0]?.text).toContain('broken.suite.ts:4');
    expect(adapter.results).toHaveLength(9);
    expect(properties).toEqual({ 'cluster.networkPlugin': 'toy-cni' });

    expect(events.filter((e) => e.startsWith('suite '))).toEqual(expect.arrayContaining(['suite mixed', 'suite broken']));
    expect(events.indexOf('start mixed/passes')).toBeLessThan(events.indexOf('end mixed/passes ok'.replace(' ok', ' pass')));
  });

  it('carries warnings, correlations and the engine evidence path through vitest, and ends a hang itself', { timeout: 60_000 }, async () => {
    const adapter = createVitestAdapter({ onSuiteStart: async () => {}, onCheckStart: async () => {}, onCheckEnd: async () => {} });
    const runner = await createSuiteRunner({
      root: PACKAGE_ROOT,
      files: ['test/fixtures/engine/findings/findings.suite.ts'],
      reporter: adapter,
      concurrency: 4,
      checkTimeoutMs: 10_000,
      hookTimeoutMs: 10_000,
    });
    await runner.run({ runId: 'sd-20250101-abcdef', namespace: 'sd-20250101-abcdef', rate: rateBudget(5) } as RunContext);
    await runner.close();

    const byCheck = new Map<string, CheckResult>(adapter.results.map((result) => [result.check, result]));
    expect(byCheck.get('warns')).toMatchObject({ status: 'warn', message: 'the serving certificate expires in 40 days', likelyCause: 'rotation is manual' });
    // Its origin names node2, so the engine tries to describe that node too (no cluster here: it says so).
    expect(byCheck.get('warns')?.evidence.map((item) => item.label)).toEqual(['certificate', 'failure evidence']);
    const tracked = byCheck.get('fails with a tracked object');
    expect(tracked).toMatchObject({ status: 'fail', classification: 'timeout', origin: { dimension: 'source-node', value: 'node2' } });
    // No cluster behind this run context: the evidence says it could not be collected, the failure stands.
    expect(tracked?.evidence.at(-1)).toMatchObject({ label: 'failure evidence', text: expect.stringMatching(/^could not be collected: /) });
    const hang = byCheck.get('hangs with a log');
    expect(hang).toMatchObject({ status: 'fail', classification: 'timeout', message: 'the check did not finish in time (300ms)' });
    expect(hang?.log?.[0]).toMatch(/asked the agent$/);
    expect(correlate(adapter.results)).toMatchObject([{ dimension: 'source-node', value: 'node2', failed: 1, warned: 1 }]);
  });

  it(
    'starts the workers before the run context exists: no check starts until it is delivered, and none runs when it is withheld',
    { timeout: 60_000 },
    async () => {
      const outcome = async (answer: 'deliver' | 'withhold') => {
        const events: string[] = [];
        const adapter = createVitestAdapter({
          onSuiteStart: async () => {},
          onCheckStart: async (suite, check) => void events.push(`start ${suite}/${check}`),
          onCheckEnd: async (result) => void events.push(`end ${result.suite}/${result.check} ${result.status}`),
        });
        const runner = await createSuiteRunner({
          root: PACKAGE_ROOT,
          files: ['test/fixtures/suites/mixed/mixed.suite.ts'],
          reporter: adapter,
          concurrency: 4,
          checkTimeoutMs: 10_000,
          hookTimeoutMs: 500,
        });
        const rate = rateBudget(5);
        runner.start({ rate });
        // Longer than the hook timeout: waiting for setup is not a hook that times out.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const before = [...events];
        if (answer === 'deliver') runner.deliver({ runId: 'sd-20250101-abcdef', namespace: 'sd-20250101-abcdef', rate } as RunContext);
        else runner.withhold('SD_SETUP_FAILED: the probe fleet did not start');
        await runner.finished();
        await runner.close();
        return { before, results: adapter.results, events };
      };
      const delivered = await outcome('deliver');
      expect(delivered.before).toEqual([]);
      expect(delivered.results.find((r) => r.check === 'passes')).toMatchObject({ status: 'pass', message: 'run sd-20250101-abcdef in sd-20250101-abcdef' });
      const withheld = await outcome('withhold');
      expect(withheld.events.filter((e) => e.startsWith('start '))).toEqual([]);
      // What they report then is dropped by the engine (run.ts holds and discards it); none of it is a pass.
      expect(withheld.results.filter((r) => r.status === 'pass')).toEqual([]);
    },
  );
});

describe('withoutForeignListeners', () => {
  it('removes a signal listener added while vitest starts at once, so a Ctrl-C then reaches only ours', async () => {
    const foreign = (): void => undefined;
    const ours = (): void => undefined;
    process.on('SIGINT', ours);
    let during = -1;
    try {
      await withoutForeignListeners(async () => {
        process.once('SIGINT', foreign);
        await new Promise((resolve) => setTimeout(resolve, 5));
        during = process.listeners('SIGINT').filter((listener) => listener === foreign).length;
      });
      expect(during).toBe(0);
      expect(process.listeners('SIGINT')).toContain(ours);
    } finally {
      process.off('SIGINT', ours);
    }
  });
});

describe('shareCompileCache', () => {
  it("enables Node's compile cache and names its directory to the workers", () => {
    const env: NodeJS.ProcessEnv = {};
    shareCompileCache(env, () => ({ directory: '/tmp/node-compile-cache' }));
    expect(env.NODE_COMPILE_CACHE).toBe('/tmp/node-compile-cache');
  });

  it('leaves a directory the user chose, a cache the user turned off, and a cache that could not be enabled alone', () => {
    const enable = () => {
      throw new Error('not asked');
    };
    const chosen: NodeJS.ProcessEnv = { NODE_COMPILE_CACHE: '/var/cache/x' };
    shareCompileCache(chosen, enable);
    expect(chosen).toEqual({ NODE_COMPILE_CACHE: '/var/cache/x' });
    const off: NodeJS.ProcessEnv = { NODE_DISABLE_COMPILE_CACHE: '1' };
    shareCompileCache(off, enable);
    expect(off).toEqual({ NODE_DISABLE_COMPILE_CACHE: '1' });
    const failed: NodeJS.ProcessEnv = {};
    shareCompileCache(failed, () => ({}));
    expect(failed).toEqual({});
  });
});
