// The marks that make a namespace ours: the managed-by label, the run id, and an expiry. Nothing
// without the managed-by label is ever deleted. Run namespaces enforce Pod Security "restricted".
import type { V1Namespace } from '@kubernetes/client-node';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'shakedown';
export const RUN_ID_LABEL = 'shakedown.dev/run-id';
export const EXPIRES_AT_ANNOTATION = 'shakedown.dev/expires-at';
export const PURPOSE_ANNOTATION = 'shakedown.dev/purpose';

// The label selector that lists our namespaces, or one run's.
export function ownedSelector(runId?: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}${runId === undefined ? '' : `,${RUN_ID_LABEL}=${runId}`}`;
}

export interface RunNamespaceSpec {
  name: string;
  runId: string;
  expiresAt: Date;
  purpose: string;
}

export function runNamespace(spec: RunNamespaceSpec): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: spec.name,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
        [RUN_ID_LABEL]: spec.runId,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
      annotations: {
        [EXPIRES_AT_ANNOTATION]: spec.expiresAt.toISOString(),
        [PURPOSE_ANNOTATION]: spec.purpose,
      },
    },
  };
}

export function isOurs(namespace: V1Namespace): boolean {
  const labels = namespace.metadata?.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && (labels[RUN_ID_LABEL] ?? '') !== '';
}
