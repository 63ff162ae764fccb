import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { cellKey, expectTable, probesOf, type ReachModel } from './model.ts';
import type { Observed } from './table.ts';
import { enforcerSuspect, judgeEnforcement, nodeFinding, notEnforcedMessage, notEnforcedOnMessage } from './verdict.ts';
import { groupByNode, type ByNode } from './per-node.ts';
import { placement } from './world-model.ts';

const model: ReachModel = { namespaces: ['x', 'y'], pods: ['a'], ports: [{ protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' }] };
const ok: ProbeResult = { id: '', kind: 'tcp', outcome: 'ok', ms: 1, detail: '' };
const timeout: ProbeResult = { id: '', kind: 'tcp', outcome: 'timeout', ms: 1000, detail: '' };
const observe = (answer: (from: string, to: string) => ProbeResult): Observed =>
  new Map(probesOf(model).map((p) => [cellKey(p.from, p.to, p.port), { result: answer(p.from, p.to) }]));
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

  it('says where it is not enforced, node by node', () => {
    expect(notEnforcedOnMessage(['node2'])).toBe('NetworkPolicy is not enforced on node2');
    expect(notEnforcedOnMessage(['node2', 'node3', 'node5'])).toBe('NetworkPolicy is not enforced on node2, node3 and node5');
    expect(enforcerSuspect(['node2'])).toBe('the NetworkPolicy enforcer on node2');
  });
});

describe('the per-node finding', () => {
  const twoByTwo: ReachModel = { namespaces: ['x', 'y'], pods: ['a', 'b'], ports: model.ports };
  const at = placement(twoByTwo, ['node1', 'node2']);
  const drafts = [{ name: 'deny', namespace: 'x', types: ['Ingress' as const] }];
  const expected = expectTable(twoByTwo, [{ to: 'x', allowed: false }]);
  const table = (blocked: (from: string, to: string) => boolean): Observed =>
    new Map(probesOf(twoByTwo).map((p) => [cellKey(p.from, p.to, p.port), { result: blocked(p.from, p.to) ? timeout : ok }]));
  const byNode = (blocked: (from: string, to: string) => boolean): ByNode => groupByNode(twoByTwo, drafts, at, expected, table(blocked));

  it("names the node where the deny held for none of its pods, what held elsewhere, and points at that node's enforcer", () => {
    // x/a on node1 is protected; x/b on node2 is not.
    const finding = nodeFinding(
      byNode((f, t) => t === 'x/a' && f !== t),
      'a default deny of ingress into x',
    );
    expect(finding?.nodes).toEqual(['node2']);
    expect(finding?.holding).toEqual(['node1']);
    expect(finding?.detail).toBe("a default deny of ingress into x held on node1 (x/a: 3 probes blocked) and on none of node2's pods (x/b: 3 probes reached)");
    expect(finding?.leaked.map((m) => `${m.from}>${m.to}`)).toEqual(['x/a>x/b', 'y/a>x/b', 'y/b>x/b']);
    expect(finding?.origin).toEqual({
      dimension: 'target-node',
      value: 'node2',
      summary: 'all 3 probes that only node2 had to block were reached; the 3 that node1 had to block were blocked: NetworkPolicy is not enforced on node2',
      confidence: 'high',
      suspect: 'the NetworkPolicy enforcer on node2',
    });
  });

  it('names no node when nothing held anywhere, or when the deny held everywhere', () => {
    expect(
      nodeFinding(
        byNode(() => false),
        'a deny',
      ),
    ).toBeUndefined();
    expect(
      nodeFinding(
        byNode((f, t) => t.startsWith('x/') && f !== t),
        'a deny',
      ),
    ).toBeUndefined();
  });
});
