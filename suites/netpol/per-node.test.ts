import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { cellKey, expectTable, probesOf, type Rule } from './model.ts';
import { CASES, DEFAULT_DENY_INGRESS } from './netpol-cases.ts';
import { byNodeText, enforcersOf, groupByNode, missingNodes, policedList, policedPods, policedText } from './per-node.ts';
import type { PolicyDraft } from './policy.ts';
import type { Observed } from './table.ts';
import { MODEL, placement, VERDICT_MODEL } from './world-model.ts';

const ok: ProbeResult = { id: '', kind: 'tcp', outcome: 'ok', ms: 1, detail: '' };
const timeout: ProbeResult = { id: '', kind: 'tcp', outcome: 'timeout', ms: 1000, detail: '' };
const NODES = ['node1', 'node2'];

// What a cluster shows when the enforcers of `down` nodes do nothing: a cell is blocked when the
// expectation blocks it and some node that must enforce it is up.
function cluster(model = MODEL, drafts: readonly PolicyDraft[], rules: readonly Rule[], down: readonly string[], notCovered = (_port: string) => false) {
  const at = placement(model, NODES);
  const expected = expectTable(model, rules);
  const observed: Observed = new Map(
    probesOf(model).map((p) => {
      const key = cellKey(p.from, p.to, p.port);
      const up = enforcersOf(drafts, at, p.from, p.to).some((e) => !down.includes(e.node));
      const blocked = expected.get(key) === false && up && !notCovered(`${p.port.protocol}/${p.port.port}`);
      return [key, { result: blocked ? timeout : ok }];
    }),
  );
  return { at, expected, observed };
}

const denyIngressX = DEFAULT_DENY_INGRESS.steps[0]?.create ?? [];
const denyIngressRules = DEFAULT_DENY_INGRESS.steps[0]?.expect ?? [];

describe('the node that must enforce a path', () => {
  const at = placement(MODEL, NODES);
  const ingress: PolicyDraft = { name: 'i', namespace: 'x', pod: 'b', types: ['Ingress'] };
  const egress: PolicyDraft = { name: 'e', namespace: 'x', types: ['Egress'] };

  it('is the node of the pod an ingress policy protects (the target), and of the pod an egress policy restricts (the source)', () => {
    expect(at.get('x/b')).toBe('node2');
    expect(enforcersOf([ingress], at, 'y/b', 'x/b')).toEqual([{ node: 'node2', pod: 'x/b', direction: 'ingress' }]);
    expect(enforcersOf([ingress], at, 'x/b', 'y/b')).toEqual([]);
    expect(enforcersOf([egress], at, 'x/a', 'y/a')).toEqual([{ node: 'node1', pod: 'x/a', direction: 'egress' }]);
    expect(enforcersOf([ingress, egress], at, 'x/a', 'x/b')).toEqual([
      { node: 'node2', pod: 'x/b', direction: 'ingress' },
      { node: 'node1', pod: 'x/a', direction: 'egress' },
    ]);
  });

  it('is no node for a pod reaching itself, which no policy can cut', () => {
    expect(enforcersOf([ingress, egress], at, 'x/b', 'x/b')).toEqual([]);
  });

  it("lists the pods a case's policies select, with their nodes: the cases that depend on node2's enforcer", () => {
    const onNode2 = CASES.filter((spec) =>
      policedPods(
        spec.steps.flatMap((s) => s.create ?? []),
        at,
      ).some((p) => p.node === 'node2'),
    ).map((spec) => spec.title);
    expect(onNode2).toEqual([
      'podSelector AND namespaceSelector vs two peers (OR)',
      'default deny egress, DNS still allowed',
      'a deleted policy stops applying',
      'allow all ingress and egress',
    ]);
    expect(policedPods(denyIngressX, at).map(policedText)).toEqual(['x/a (ingress)', 'x/b (ingress)', 'x/c (ingress)']);
    const allowAll = CASES.find((spec) => spec.title === 'allow all ingress and egress')?.steps.flatMap((s) => s.create ?? []) ?? [];
    expect(
      policedList(
        policedPods(allowAll, at).filter((p) => p.node === 'node2'),
        true,
      ),
    ).toBe('x/b (ingress and egress) on node2');
  });
});

describe('mismatches grouped by enforcing node', () => {
  it('names node2 alone when its enforcer does nothing and node1 enforces the same default deny', () => {
    const { at, expected, observed } = cluster(MODEL, denyIngressX, denyIngressRules, ['node2']);
    const byNode = groupByNode(MODEL, denyIngressX, at, expected, observed);
    expect(byNode.nodes.map((g) => [g.node, g.state])).toEqual([
      ['node1', 'enforced'],
      ['node2', 'not-enforced'],
    ]);
    const [node1, node2] = byNode.nodes;
    // Into x/a and x/c from the 8 other pods, 4 ports each; into x/b likewise.
    expect(node1).toMatchObject({ held: 64, leaked: [], other: [] });
    expect(node2?.leaked).toHaveLength(32);
    expect(node2?.leaked.every((m) => m.to === 'x/b')).toBe(true);
    expect(node2?.policed.map(policedText)).toEqual(['x/b (ingress)']);
    expect(byNode.unpoliced).toEqual([]);
    expect(missingNodes(byNode)?.missing.map((g) => g.node)).toEqual(['node2']);
    expect(byNodeText(byNode)).toBe(
      'node1: enforced; policies select x/a (ingress), x/c (ingress); 64 probe(s) it had to block blocked\n' +
        'node2: NOT enforced; policies select x/b (ingress); 0 probe(s) it had to block blocked, 32 reached',
    );
  });

  it('names the node over the 2 x 2 verdict world too', () => {
    const { at, expected, observed } = cluster(VERDICT_MODEL, denyIngressX, denyIngressRules, ['node2']);
    const found = missingNodes(groupByNode(VERDICT_MODEL, denyIngressX, at, expected, observed));
    expect(found?.missing.map((g) => g.node)).toEqual(['node2']);
    expect(found?.holding.map((g) => g.node)).toEqual(['node1']);
  });

  it('groups egress by the source: a deny of egress from x with node1 down names node1', () => {
    const spec = CASES.find((c) => c.title === 'default deny egress, DNS still allowed');
    const drafts = spec?.steps[0]?.create ?? [];
    const rules = spec?.steps[0]?.expect ?? [];
    const { at, expected, observed } = cluster(MODEL, drafts, rules, ['node1']);
    const byNode = groupByNode(MODEL, drafts, at, expected, observed);
    expect(byNode.nodes.map((g) => [g.node, g.state])).toEqual([
      ['node1', 'not-enforced'],
      ['node2', 'enforced'],
    ]);
    expect(byNode.nodes[0]?.leaked.every((m) => m.from === 'x/a' || m.from === 'x/c')).toBe(true);
  });

  it('names no node when no node enforces (the plugin as a whole) or every node enforces', () => {
    const none = cluster(MODEL, denyIngressX, denyIngressRules, NODES);
    const noneByNode = groupByNode(MODEL, denyIngressX, none.at, none.expected, none.observed);
    expect(noneByNode.nodes.map((g) => g.state)).toEqual(['not-enforced', 'not-enforced']);
    expect(missingNodes(noneByNode)).toBeUndefined();
    const all = cluster(MODEL, denyIngressX, denyIngressRules, []);
    expect(missingNodes(groupByNode(MODEL, denyIngressX, all.at, all.expected, all.observed))).toBeUndefined();
  });

  it('names no node when every node enforces part of the policy (UDP not covered anywhere)', () => {
    const { at, expected, observed } = cluster(MODEL, denyIngressX, denyIngressRules, [], (port) => port.startsWith('UDP'));
    const byNode = groupByNode(MODEL, denyIngressX, at, expected, observed);
    expect(byNode.nodes.map((g) => g.state)).toEqual(['partial', 'partial']);
    expect(missingNodes(byNode)).toBeUndefined();
  });

  it("keeps mismatches of paths no policy governs apart: they are no enforcer's", () => {
    const { at, expected, observed } = cluster(MODEL, denyIngressX, denyIngressRules, []);
    observed.set(cellKey('y/a', 'z/b', MODEL.ports[0] ?? { protocol: 'TCP', port: 9000, name: '' }), { result: timeout });
    const byNode = groupByNode(MODEL, denyIngressX, at, expected, observed);
    expect(byNode.unpoliced.map((m) => m.key)).toEqual(['y/a>z/b@TCP/9000']);
    expect(byNode.nodes.every((g) => g.state === 'enforced')).toBe(true);
  });

  it("counts a path that two nodes had to block, and that leaked through both, as neither node's proof", () => {
    const drafts: PolicyDraft[] = [{ name: 'deny-all', namespace: 'x', types: ['Ingress', 'Egress'] }];
    const rules: Rule[] = [
      { to: 'x', allowed: false },
      { from: 'x', allowed: false },
    ];
    const { at, expected, observed } = cluster(MODEL, drafts, rules, ['node2']);
    const byNode = groupByNode(MODEL, drafts, at, expected, observed);
    expect(byNode.nodes.map((g) => [g.node, g.state])).toEqual([
      ['node1', 'enforced'],
      ['node2', 'not-enforced'],
    ]);
    // x/b -> x/a: node2 restricts x/b's egress, node1 protects x/a's ingress; node1 blocked it.
    expect(byNode.nodes[1]?.leaked.some((m) => m.from === 'x/b' && m.to === 'x/a')).toBe(false);
  });
});
