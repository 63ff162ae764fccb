import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { cellKey, expectTable, probesOf, type ReachModel } from './model.ts';
import type { Observed } from './table.ts';
import { judgeEnforcement, notEnforcedMessage } from './verdict.ts';

const model: ReachModel = { namespaces: ['x', 'y'], pods: ['a'], ports: [{ protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' }] };
const ok: ProbeResult = { id: '', kind: 'tcp', outcome: 'ok', ms: 1, detail: '' };
const timeout: ProbeResult = { id: '', kind: 'tcp', outcome: 'timeout', ms: 1000, detail: '' };
const observe = (answer: (from: string, to: string) => ProbeResult): Observed => new Map(probesOf(model).map((p) => [cellKey(p.from, p.to, p.port), { result: answer(p.from, p.to) }]));
const denyExpected = expectTable(model, [{ to: 'x', allowed: false }]);
const baseline = observe(() => ok);

describe('enforcement verdict', () => {
  it('is enforced when the deny table matches', () => {
    expect(judgeEnforcement({ model, baseline, denyExpected, denyObserved: observe((f, t) => (t === 'x/a' && f !== t ? timeout : ok)) })).toBe('enforced');
  });

  it('is not enforced when the deny changed nothing', () => {
    expect(judgeEnforcement({ model, baseline, denyExpected, denyObserved: observe(() => ok) })).toBe('not-enforced');
  });

  it('is partial when something changed, but not as expected', () => {
    expect(judgeEnforcement({ model, baseline, denyExpected, denyObserved: observe((f, t) => (t === 'y/a' && f !== t ? timeout : ok)) })).toBe('partial');
  });

  it('cannot judge without a working baseline', () => {
    expect(judgeEnforcement({ model, baseline: observe(() => timeout), denyExpected, denyObserved: observe(() => ok) })).toBe('no-baseline');
  });

  it('says it in one sentence naming the plugin', () => {
    expect(notEnforcedMessage('flannel')).toBe("NetworkPolicy is not enforced by this cluster's network plugin: flannel");
  });
});
