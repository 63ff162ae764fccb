// The NetworkPolicy cases are data: every rule must name pods and ports of the model, every
// deletion a policy an earlier step created, and every policy must pass the run-safety check, over
// the world the run builds when that case's check runs alone (world-model.ts) and over the full one.
import { describe, expect, it } from 'vitest';
import { ruleProblems, type ReachModel } from './model.ts';
import { safetyProblems, toNetworkPolicy, type Resolver } from './policy.ts';
import { CASES, checkTitle, DEFAULT_DENY_INGRESS, VERDICT_CHECK, type NetpolCase } from './netpol-cases.ts';
import { namespaceName } from './netpol-world.ts';
import { MODEL, worldModelFor } from './world-model.ts';

const runId = 'sd-20261122-abcdef';
const resolver: Resolver = { runId, namespaceName: (l) => namespaceName(runId, l), podIP: () => '10.244.1.9' };

function expectSound(model: ReachModel, spec: NetpolCase): void {
  const runNamespaces = model.namespaces.map((l) => namespaceName(runId, l));
  const created = new Set<string>();
  for (const step of spec.steps) {
    expect(ruleProblems(model, step.expect)).toEqual([]);
    for (const name of step.delete ?? []) expect(created.has(name)).toBe(true);
    for (const draft of step.create ?? []) {
      expect(created.has(draft.name)).toBe(false);
      created.add(draft.name);
      expect(model.namespaces).toContain(draft.namespace);
      expect(safetyProblems(toNetworkPolicy(draft, resolver), runNamespaces, runId)).toEqual([]);
    }
  }
}

describe('NetworkPolicy cases', () => {
  const runs = [{ spec: DEFAULT_DENY_INGRESS, check: VERDICT_CHECK }, ...CASES.map((spec) => ({ spec, check: checkTitle(spec.title) }))];
  for (const { spec, check } of runs) {
    it(`${spec.title}: sound rules, deletions and policies`, () => {
      expectSound(worldModelFor([check]).model, spec);
      expectSound(MODEL, spec);
    });
  }

  it('titles are unique (they are the stable check names)', () => {
    const titles = [DEFAULT_DENY_INGRESS, ...CASES].map((c) => c.title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});
