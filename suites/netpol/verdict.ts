// Whether NetworkPolicy is enforced at all, judged from one default-deny step: the baseline (no
// policy) table, then the table once a default-deny policy had every chance to take effect.
//   enforced      the deny table matched its expectation
//   not-enforced  the deny changed nothing: every cell still reached, as in the baseline
//   partial       something changed, but not as expected (enforced, wrongly or slowly)
//   no-baseline   without any policy, pods did not all reach each other: nothing can be judged
import { blockedCount, compare, type Observed } from './table.ts';
import type { ReachModel, Truth } from './model.ts';

export type Enforcement = 'enforced' | 'not-enforced' | 'partial' | 'no-baseline';

export interface VerdictInput {
  model: ReachModel;
  baseline: Observed;
  denyExpected: Truth;
  denyObserved: Observed;
}

export function judgeEnforcement(input: VerdictInput): Enforcement {
  const allAllowed: Truth = new Map();
  if (compare(input.model, allAllowed, input.baseline).length > 0) return 'no-baseline';
  if (compare(input.model, input.denyExpected, input.denyObserved).length === 0) return 'enforced';
  return blockedCount(input.model, input.denyObserved) === 0 ? 'not-enforced' : 'partial';
}

export function notEnforcedMessage(plugin: string): string {
  return `NetworkPolicy is not enforced by this cluster's network plugin: ${plugin}`;
}
