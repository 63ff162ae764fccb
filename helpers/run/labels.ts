// The marks that make a namespace ours: the managed-by label, the run id, an expiry, and the record
// of its creation by shakedown (the API server's managedFields: our field manager set those labels).
// Nothing without the labels is ever deleted, and nothing whose labels someone else set (a foreign
// namespace labelled by hand, or `kubectl apply` of a copied manifest) either. Run namespaces
// enforce Pod Security "restricted".
import type { V1Namespace } from '@kubernetes/client-node';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'shakedown';
export const RUN_ID_LABEL = 'shakedown.dev/run-id';
export const EXPIRES_AT_ANNOTATION = 'shakedown.dev/expires-at';
export const PURPOSE_ANNOTATION = 'shakedown.dev/purpose';
// The field manager of every object shakedown writes: the API server records it, with the fields it
// set, in the object's managedFields. That record is how a namespace shakedown created is told from
// one that merely carries its labels.
export const FIELD_MANAGER = 'shakedown';

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

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: object;
}

// True when the API server recorded that our field manager set the run id label: we created the
// namespace (or at least labelled it ourselves, which only creation does). A label set by anyone else
// (kubectl label, kubectl apply of a copy, another tool) is recorded under their manager instead.
export function createdByShakedown(namespace: V1Namespace): boolean {
  return isOurs(namespace) && labelManagers(namespace).includes(FIELD_MANAGER);
}

// The field managers the API server recorded as having set our run id label.
export function labelManagers(namespace: V1Namespace): string[] {
  const entries = (namespace.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  return entries
    .filter((entry) => {
      const fields = entry.fieldsV1 as { 'f:metadata'?: { 'f:labels'?: Record<string, unknown> } } | undefined;
      return `f:${RUN_ID_LABEL}` in (fields?.['f:metadata']?.['f:labels'] ?? {});
    })
    .map((entry) => entry.manager ?? '?');
}
