import { describe, expect, it } from 'vitest';
import { profilePlan } from '../../helpers/engine/profiles.ts';
import manifest from './manifest.ts';
import type { ProbeResult } from '../../agent/protocol.ts';
import { cellKey, expectTable, probesOf, type ReachModel } from './model.ts';
import type { Observed } from './table.ts';
import { judgeEnforcement } from './verdict.ts';
import { DEFAULT_DENY_INGRESS, LATENCY_CHECK, VERDICT_CHECK } from './netpol-cases.ts';
import { MODEL, placement, VERDICT_MODEL, worldModelFor, worldNamespaces, worldPlacement } from './world-model.ts';

// These tests build three lanes (--netpol-lanes 3); the default is one.
const LANES = 3;

describe('the world the run builds', () => {
  it('is the full 3 x 3 world when every check runs', () => {
    expect(worldModelFor(undefined)).toMatchObject({ name: 'full', model: MODEL });
    expect(MODEL.namespaces).toEqual(['x', 'y', 'z']);
    expect(MODEL.pods).toEqual(['a', 'b', 'c']);
  });

  it('is the 2 x 2 verdict world when only the verdict runs, with or without the latency check', () => {
    expect(worldModelFor([VERDICT_CHECK])).toMatchObject({ name: 'verdict', model: VERDICT_MODEL });
    expect(worldModelFor([VERDICT_CHECK, LATENCY_CHECK]).model).toBe(VERDICT_MODEL);
    expect(worldModelFor([LATENCY_CHECK]).model).toBe(VERDICT_MODEL);
    expect(VERDICT_MODEL.namespaces).toEqual(['x', 'y']);
    expect(VERDICT_MODEL.pods).toEqual(['a', 'b']);
    expect(VERDICT_MODEL.ports).toEqual(MODEL.ports);
  });

  it('has the lanes asked for when cases run (one by default), one when only the verdict runs', () => {
    expect(worldModelFor(undefined).lanes).toBe(1);
    expect(worldModelFor(undefined, LANES).lanes).toBe(LANES);
    expect(worldModelFor([VERDICT_CHECK], LANES).lanes).toBe(1);
    expect(worldModelFor([VERDICT_CHECK]).lanes).toBe(1);
    expect(worldNamespaces(VERDICT_MODEL, 1)).toEqual(['x1', 'y']);
    expect(worldNamespaces(MODEL, LANES)).toEqual(['x1', 'x2', 'x3', 'y', 'z']);
  });

  it('is the verdict world under the quick profile', () => {
    const quick = profilePlan('quick', [{ name: manifest.name, manifest }]);
    expect(worldModelFor(quick.checks?.[manifest.name]).name).toBe('verdict');
  });

  it('is the full world as soon as any case runs, alone or beside the verdict', () => {
    const cases = manifest.checks.map((check) => check.title).filter((title) => title !== VERDICT_CHECK && title !== LATENCY_CHECK);
    expect(cases.length).toBeGreaterThan(5);
    for (const title of cases) {
      expect(worldModelFor([title]).model, title).toBe(MODEL);
      expect(worldModelFor([VERDICT_CHECK, title]).model, title).toBe(MODEL);
    }
  });
});

describe('placement', () => {
  it('alternates nodes: pod i of namespace j on node (i + j) % nodes', () => {
    expect(Object.fromEntries(placement(MODEL, ['n0', 'n1']))).toEqual({
      'x/a': 'n0',
      'x/b': 'n1',
      'x/c': 'n0',
      'y/a': 'n1',
      'y/b': 'n0',
      'y/c': 'n1',
      'z/a': 'n0',
      'z/b': 'n1',
      'z/c': 'n0',
    });
    expect(Object.fromEntries(placement(VERDICT_MODEL, ['n0', 'n1']))).toEqual({ 'x/a': 'n0', 'x/b': 'n1', 'y/a': 'n1', 'y/b': 'n0' });
  });

  it("places every lane's x as the model's x, on any number of nodes", () => {
    for (const nodes of [['n0'], ['n0', 'n1'], ['n0', 'n1', 'n2']]) {
      const logical = placement(MODEL, nodes);
      const world = worldPlacement(MODEL, LANES, nodes);
      expect(world.size).toBe(5 * 3);
      for (const [id, node] of world) expect(node, id).toBe(logical.get(id.replace(/^x\d+\//, 'x/')));
    }
    expect(Object.fromEntries(worldPlacement(VERDICT_MODEL, 1, ['n0', 'n1']))).toEqual({ 'x1/a': 'n0', 'x1/b': 'n1', 'y/a': 'n1', 'y/b': 'n0' });
  });
});

// The kinds of path among the cells a table expects blocked.
function blockedPaths(model: ReachModel, nodes: readonly string[]) {
  const expected = expectTable(model, DEFAULT_DENY_INGRESS.steps[0]?.expect ?? []);
  const at = placement(model, nodes);
  const ns = (id: string) => id.split('/')[0];
  const blocked = probesOf(model).filter((p) => expected.get(cellKey(p.from, p.to, p.port)) === false);
  return {
    blocked,
    sameNode: blocked.filter((p) => at.get(p.from) === at.get(p.to)),
    crossNode: blocked.filter((p) => at.get(p.from) !== at.get(p.to)),
    sameNamespace: blocked.filter((p) => ns(p.from) === ns(p.to)),
    crossNamespace: blocked.filter((p) => ns(p.from) !== ns(p.to)),
  };
}

describe("the verdict's default deny over the verdict world", () => {
  for (const nodes of [
    ['n0', 'n1'],
    ['n0', 'n1', 'n2'],
    ['n0', 'n1', 'n2', 'n3', 'n4'],
  ]) {
    it(`blocks same-node and cross-node, same- and cross-namespace paths into x, on every port (${nodes.length} nodes)`, () => {
      const paths = blockedPaths(VERDICT_MODEL, nodes);
      expect(paths.blocked.every((p) => p.to.startsWith('x/'))).toBe(true);
      for (const kind of [paths.sameNode, paths.crossNode, paths.sameNamespace, paths.crossNamespace]) {
        expect(new Set(kind.map((p) => `${p.port.protocol}/${p.port.port}`)).size).toBe(VERDICT_MODEL.ports.length);
      }
    });
  }

  it('on 2 nodes: y/b -> x/a and y/a -> x/b stay on a node; x/a <-> x/b, y/a -> x/a and y/b -> x/b cross nodes', () => {
    const paths = blockedPaths(VERDICT_MODEL, ['n0', 'n1']);
    const pairs = (list: { from: string; to: string }[]) => [...new Set(list.map((p) => `${p.from}>${p.to}`))].sort();
    expect(pairs(paths.sameNode)).toEqual(['y/a>x/b', 'y/b>x/a']);
    expect(pairs(paths.crossNode)).toEqual(['x/a>x/b', 'x/b>x/a', 'y/a>x/a', 'y/b>x/b']);
  });

  it('with one node every path is a same-node path (nothing crosses)', () => {
    const paths = blockedPaths(VERDICT_MODEL, ['n0']);
    expect(paths.crossNode).toEqual([]);
    expect(paths.sameNode.length).toBe(paths.blocked.length);
  });

  // What the verdict says over this world when an enforcer covers only some paths.
  const ok: ProbeResult = { id: '', kind: 'tcp', outcome: 'ok', ms: 1, detail: '' };
  const timeout: ProbeResult = { id: '', kind: 'tcp', outcome: 'timeout', ms: 1000, detail: '' };
  const at = placement(VERDICT_MODEL, ['n0', 'n1']);
  const observe = (blocked: (from: string, to: string) => boolean): Observed =>
    new Map(probesOf(VERDICT_MODEL).map((p) => [cellKey(p.from, p.to, p.port), { result: blocked(p.from, p.to) ? timeout : ok }]));
  const denyExpected = expectTable(VERDICT_MODEL, DEFAULT_DENY_INGRESS.steps[0]?.expect ?? []);
  const judge = (blocked: (from: string, to: string) => boolean) =>
    judgeEnforcement({ model: VERDICT_MODEL, baseline: observe(() => false), denyExpected, denyObserved: observe(blocked) });
  const intoX = (from: string, to: string) => from !== to && to.startsWith('x/');

  it('judges a full deny enforced, none not enforced, and a deny that misses the same-node or the cross-node paths partial', () => {
    expect(judge(intoX)).toBe('enforced');
    expect(judge(() => false)).toBe('not-enforced');
    expect(judge((from, to) => intoX(from, to) && at.get(from) !== at.get(to))).toBe('partial');
    expect(judge((from, to) => intoX(from, to) && at.get(from) === at.get(to))).toBe('partial');
  });
});
