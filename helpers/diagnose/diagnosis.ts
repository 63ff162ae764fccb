// A diagnosis names the component at fault and where it is, from what the cluster shows, with the
// evidence and how sure it is. "Fatal" means waiting longer will not help: the wait ends at once.
import type { Origin } from '../result.ts';

export type Component =
  | 'kube-scheduler'
  | 'kube-controller-manager'
  | 'kubelet'
  | 'container-runtime'
  | 'pod-network'
  | 'scheduling'
  | 'admission'
  | 'api-server'
  | 'etcd'
  | 'namespace-finalizer';

export interface Diagnosis {
  component: Component;
  // The node, for components that run on each node.
  node?: string;
  // One line: the component, where, and what it did not do.
  summary: string;
  evidence: string[];
  confidence: Origin['confidence'];
  fatal: boolean;
  hint?: string;
  // Commands that show the same signals by hand.
  reproduce?: string;
  // The objects the diagnosis is about (pods, namespaces).
  subjects: string[];
}

const RANK: Record<Origin['confidence'], number> = { high: 0, medium: 1, low: 2 };

// Most certain first, then the fatal ones, then the ones about more objects.
export function byWeight(a: Diagnosis, b: Diagnosis): number {
  return RANK[a.confidence] - RANK[b.confidence] || Number(b.fatal) - Number(a.fatal) || b.subjects.length - a.subjects.length;
}

export function where(diagnosis: Pick<Diagnosis, 'component' | 'node'>): string {
  return diagnosis.node === undefined ? diagnosis.component : `${diagnosis.component} on ${diagnosis.node}`;
}

// As a check result's origin: what the failures share, for correlation across checks.
export function asOrigin(diagnosis: Diagnosis): Origin {
  return { dimension: 'component', value: where(diagnosis), summary: diagnosis.summary, confidence: diagnosis.confidence, suspect: where(diagnosis) };
}
