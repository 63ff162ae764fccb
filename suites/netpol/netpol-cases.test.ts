// The NetworkPolicy cases are data: every rule must name pods and ports of the model, every
// deletion a policy an earlier step created, and every policy must pass the run-safety check.
import { describe, expect, it } from 'vitest';
import { ruleProblems } from './model.ts';
import { safetyProblems, toNetworkPolicy, type Resolver } from './policy.ts';
import { CASES, DEFAULT_DENY_INGRESS } from './netpol-cases.ts';
import { MODEL, namespaceName } from './netpol-world.ts';

const runId = 'sd-20261122-abcdef';
const resolver: Resolver = { runId, namespaceName: (l) => namespaceName(runId, l), podIP: () => '10.244.1.9' };
const runNamespaces = MODEL.namespaces.map((l) => namespaceName(runId, l));

describe('NetworkPolicy cases', () => {
  for (const spec of [DEFAULT_DENY_INGRESS, ...CASES]) {
    it(`${spec.title}: sound rules, deletions and policies`, () => {
      const created = new Set<string>();
      for (const step of spec.steps) {
        expect(ruleProblems(MODEL, step.expect)).toEqual([]);
        for (const name of step.delete ?? []) expect(created.has(name)).toBe(true);
        for (const draft of step.create ?? []) {
          expect(created.has(draft.name)).toBe(false);
          created.add(draft.name);
          expect(MODEL.namespaces).toContain(draft.namespace);
          expect(safetyProblems(toNetworkPolicy(draft, resolver), runNamespaces, runId)).toEqual([]);
        }
      }
    });
  }

  it('titles are unique (they are the stable check names)', () => {
    const titles = [DEFAULT_DENY_INGRESS, ...CASES].map((c) => c.title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});
