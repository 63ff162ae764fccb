import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { cellKey, expectTable, probesOf, type ReachModel } from './model.ts';
import { blockedCount, compare, mismatchLine, renderDifferenceTable, renderExpectedTable, renderObservedTable, type Observed } from './table.ts';

const model: ReachModel = { namespaces: ['x'], pods: ['a', 'b'], ports: [{ protocol: 'UDP', port: 9000, name: 'serve-9000-udp' }] };
const ok: ProbeResult = { id: '', kind: 'udp', outcome: 'ok', ms: 1, detail: '' };
const timeout: ProbeResult = { id: '', kind: 'udp', outcome: 'timeout', ms: 1000, detail: '' };
const refused: ProbeResult = { id: '', kind: 'tcp', outcome: 'refused', ms: 1, detail: '', code: 'ECONNREFUSED' };

function observe(answer: (from: string, to: string) => ProbeResult | undefined): Observed {
  return new Map(probesOf(model).map((p) => [cellKey(p.from, p.to, p.port), { result: answer(p.from, p.to) }]));
}

describe('truth table comparison', () => {
  const expected = expectTable(model, [{ to: 'x/b', allowed: false }]);

  it('counts timeouts and refusals alike as blocked', () => {
    expect(
      compare(
        model,
        expected,
        observe((from, to) => (from !== to && to === 'x/b' ? timeout : ok)),
      ),
    ).toEqual([]);
    expect(
      compare(
        model,
        expected,
        observe((from, to) => (from !== to && to === 'x/b' ? refused : ok)),
      ),
    ).toEqual([]);
  });

  it('prints expected, observed and difference per port, and one line per mismatch', () => {
    const observed = observe((from, to) => (from === 'x/a' && to === 'x/b' ? undefined : ok));
    observed.set(cellKey('x/a', 'x/b', model.ports[0]!), { result: undefined, error: 'exec to x/a: no answer' });
    expect(renderExpectedTable(model, expected)).toBe(['UDP/9000  x/a x/b', 'x/a       .   X', 'x/b       .   .'].join('\n'));
    expect(renderObservedTable(model, observed)).toBe(['UDP/9000  x/a x/b', 'x/a       .   ?', 'x/b       .   .'].join('\n'));
    expect(renderDifferenceTable(model, expected, observed)).toBe(['UDP/9000  x/a x/b', 'x/a       .   X', 'x/b       .   .'].join('\n'));
    const [mismatch] = compare(model, expected, observed);
    expect(mismatch && mismatchLine(mismatch)).toBe('x/a -> x/b UDP/9000: expected blocked, saw exec to x/a: no answer');
  });

  it('shows only the ports asked for', () => {
    expect(renderExpectedTable(model, expected, new Set(['TCP/9000']))).toBe('');
    expect(renderExpectedTable(model, expected, new Set(['UDP/9000']))).toBe(renderExpectedTable(model, expected));
  });

  it('counts blocked cells', () => {
    expect(
      blockedCount(
        model,
        observe(() => ok),
      ),
    ).toBe(0);
    expect(
      blockedCount(
        model,
        observe((_f, to) => (to === 'x/a' ? timeout : ok)),
      ),
    ).toBe(2);
  });
});
