// The enforcement verdict's decision, as the cases running beside it wait for it: a promise, not a
// timer. A case that matches never needs it; a case that mismatches awaits it before reporting its
// own failure (the verdict may explain it: NetworkPolicy not enforced at all, or not on a node the
// case's policies select); a case still polling when the verdict decides something that concerns
// it is stopped at once through the signal it watches with.
import type { NodeFault } from './netpol-run.ts';

export interface Decision {
  // Why no case can be judged (nothing enforced, pods unreachable without any policy, no verdict
  // reached): the cases are skipped with this sentence.
  skipReason?: string;
  // Nodes where no policy held while it held on others: a case whose policies select a pod there
  // fails with this finding.
  fault?: NodeFault;
}

export interface VerdictGate {
  // The first decision holds; later ones are ignored.
  decide(decision: Decision): void;
  readonly decision: Promise<Decision>;
  // The decision, once made.
  known(): Decision | undefined;
  // A signal aborted as soon as a decision that `concerns` accepts is made (at once when it is
  // already made). Each holder watches with its own predicate.
  watch(concerns: (decision: Decision) => boolean): AbortSignal;
}

export class VerdictDecided extends Error {
  override readonly name = 'VerdictDecided';
}

export function verdictGate(): VerdictGate {
  let made: Decision | undefined;
  let settle: (decision: Decision) => void = () => undefined;
  const decision = new Promise<Decision>((resolve) => (settle = resolve));
  const watchers: { concerns: (decision: Decision) => boolean; controller: AbortController }[] = [];
  const abort = (controller: AbortController) => controller.abort(new VerdictDecided('the enforcement verdict decided'));
  return {
    decide(next) {
      if (made !== undefined) return;
      made = next;
      settle(next);
      for (const watcher of watchers.splice(0)) if (watcher.concerns(next)) abort(watcher.controller);
    },
    decision,
    known: () => made,
    watch(concerns) {
      const controller = new AbortController();
      if (made === undefined) watchers.push({ concerns, controller });
      else if (concerns(made)) abort(controller);
      return controller.signal;
    },
  };
}
