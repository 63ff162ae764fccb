// Which of our namespaces a cleanup removes: all of them, or only those whose expiry has passed.
// A namespace without our label is never selected, whatever the API server returned.
import type { V1Namespace } from '@kubernetes/client-node';
import { createdByShakedown, EXPIRES_AT_ANNOTATION, labelManagers, RUN_ID_LABEL, isOurs } from './labels.ts';

export type CleanupMode = 'expired' | 'all';

export interface Leftover {
  name: string;
  runId: string;
  expiresAt: string | undefined;
}

export interface Selection {
  remove: Leftover[];
  // Ours but kept, with the reason.
  keep: { name: string; reason: string }[];
}

export function selectLeftovers(namespaces: readonly V1Namespace[], mode: CleanupMode, now: Date): Selection {
  const selection: Selection = { remove: [], keep: [] };
  for (const namespace of namespaces) {
    if (!isOurs(namespace)) continue;
    const name = namespace.metadata?.name ?? '';
    const runId = namespace.metadata?.labels?.[RUN_ID_LABEL] ?? '';
    const expiresAt = namespace.metadata?.annotations?.[EXPIRES_AT_ANNOTATION];
    if (name === '') continue;
    if (!createdByShakedown(namespace)) {
      const managers = labelManagers(namespace);
      selection.keep.push({
        name,
        reason: `carries shakedown's labels, but shakedown did not create it (${managers.length === 0 ? 'no record of who set its labels' : `its labels were set by ${managers.join(', ')}`}): never deleted`,
      });
      continue;
    }
    if (namespace.metadata?.deletionTimestamp !== undefined) {
      selection.keep.push({ name, reason: 'already being deleted' });
      continue;
    }
    if (mode === 'expired') {
      const expiry = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
      if (Number.isNaN(expiry)) {
        selection.keep.push({ name, reason: `no valid ${EXPIRES_AT_ANNOTATION} annotation` });
        continue;
      }
      if (expiry > now.getTime()) {
        selection.keep.push({ name, reason: `expires at ${expiresAt}` });
        continue;
      }
    }
    selection.remove.push({ name, runId, expiresAt });
  }
  return selection;
}
