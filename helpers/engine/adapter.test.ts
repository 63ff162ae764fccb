import { describe, expect, it } from 'vitest';
import { holdEvents } from './adapter.ts';

describe('holdEvents', () => {
  const recorder = () => {
    const seen: string[] = [];
    return {
      seen,
      sink: {
        onSuiteStart: async (suite: string) => void seen.push(`suite ${suite}`),
        onCheckStart: async (suite: string, check: string) => void seen.push(`start ${suite}/${check}`),
        onCheckEnd: async (result: { suite: string; check: string; status: string }) => void seen.push(`end ${result.suite}/${result.check} ${result.status}`),
        onProperties: (properties: Record<string, string>) => void seen.push(`properties ${Object.keys(properties).join(',')}`),
      },
    };
  };

  it('holds what the workers report until the suites get their run context, then lets it through in order', async () => {
    const { seen, sink } = recorder();
    const held = holdEvents(sink);
    await held.onSuiteStart('dns');
    await held.onCheckEnd({
      suite: 'broken',
      check: 'suite loads',
      status: 'fail',
      classification: 'error',
      message: 'cannot load',
      durationMs: 0,
      evidence: [],
    });
    expect(seen).toEqual([]);
    await held.release();
    await held.onCheckStart('dns', 'answers');
    held.onProperties?.({ 'cluster.networkPlugin': 'x' });
    expect(seen).toEqual(['suite dns', 'end broken/suite loads fail', 'start dns/answers', 'properties cluster.networkPlugin']);
  });

  it('drops everything when the suites never run (setup failed)', async () => {
    const { seen, sink } = recorder();
    const held = holdEvents(sink);
    await held.onSuiteStart('dns');
    held.discard();
    await held.onCheckEnd({ suite: 'dns', check: 'suite hooks', status: 'fail', classification: 'error', message: 'cannot load', durationMs: 0, evidence: [] });
    await held.release();
    expect(seen).toEqual([]);
  });
});
