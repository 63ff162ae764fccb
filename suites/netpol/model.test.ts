import { describe, expect, it } from 'vitest';
import { cellKey, expectTable, probesOf, ruleProblems, type ModelPort, type ReachModel } from './model.ts';

const tcp: ModelPort = { protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' };
const udp: ModelPort = { protocol: 'UDP', port: 9000, name: 'serve-9000-udp' };
const model: ReachModel = { namespaces: ['x', 'y'], pods: ['a', 'b'], ports: [tcp, udp] };

describe('reachability model', () => {
  it('has every source x target x port', () => {
    expect(probesOf(model)).toHaveLength(4 * 4 * 2);
  });

  it('builds the expected table from rules, the last matching rule winning, loopback always allowed', () => {
    const truth = expectTable(model, [
      { to: 'x', allowed: false },
      { from: 'y/b', to: 'x/a', port: 'TCP/*', allowed: true },
    ]);
    expect(truth.get(cellKey('y/a', 'x/a', tcp))).toBe(false);
    expect(truth.get(cellKey('y/b', 'x/a', tcp))).toBe(true);
    expect(truth.get(cellKey('y/b', 'x/a', udp))).toBe(false);
    expect(truth.get(cellKey('x/a', 'x/a', udp))).toBe(true);
    expect(truth.get(cellKey('x/a', 'y/b', udp))).toBe(true);
  });

  it('matches ports by number or container port name', () => {
    const truth = expectTable(model, [{ port: '*/serve-9000-udp', allowed: false }]);
    expect(truth.get(cellKey('x/a', 'y/a', udp))).toBe(false);
    expect(truth.get(cellKey('x/a', 'y/a', tcp))).toBe(true);
  });

  it('reports rules that name nothing of the model', () => {
    expect(
      ruleProblems(model, [
        { to: 'q/a', allowed: false },
        { port: 'SCTP/80', allowed: false },
      ]),
    ).toEqual(['rule 1: to "q/a" matches no pod', 'rule 2: port "SCTP/80" matches no port']);
    expect(ruleProblems(model, [{ from: 'x/*', to: 'y', allowed: false }])).toEqual([]);
  });
});
