// Creating and removing the run's namespaces. Deletion goes by our label selector and checks the
// label again on every namespace it deletes; removal waits (bounded) until the namespaces are gone,
// and names any that stay stuck in Terminating with the conditions that hold them.
import type { V1Namespace } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/clients.ts';
import { statusCode } from '../kube/api-errors.ts';
import { createdByShakedown, FIELD_MANAGER, ownedSelector, RUN_ID_LABEL } from './labels.ts';
import { selectLeftovers, type CleanupMode, type Leftover } from './leftovers.ts';
import { bindRunRole, type RunGrant } from './run-grant.ts';

export interface NamespaceApi {
  list(labelSelector: string): Promise<V1Namespace[]>;
  create(namespace: V1Namespace): Promise<void>;
  // Resolves when the API server accepted the deletion, or the namespace was already gone.
  delete(name: string): Promise<void>;
}

// The run's pods carry no state worth a grace period: deleting them at once first lets the
// namespace controller finish in one pass instead of waiting out pod termination.

// The one way a namespace of a run is made: under our field manager (the API server's record that we
// created it: labels.ts createdByShakedown) and, for the runner of `shakedown deploy`, with the run's
// role bound in it (run-grant.ts).
export async function createRunNamespace(
  clients: Pick<KubeClients, 'core' | 'rbac' | 'authz'>,
  namespace: V1Namespace,
  grant: RunGrant | undefined,
): Promise<void> {
  await clients.core.createNamespace({ body: namespace, fieldManager: FIELD_MANAGER });
  if (grant === undefined) return;
  await bindRunRole(clients, namespace.metadata?.name ?? '', namespace.metadata?.labels?.[RUN_ID_LABEL] ?? '', grant);
}

export function namespaceApi(clients: Pick<KubeClients, 'core' | 'rbac' | 'authz'>, grant?: RunGrant): NamespaceApi {
  const { core } = clients;
  return {
    list: async (labelSelector) => (await core.listNamespace({ labelSelector })).items,
    create: (namespace) => createRunNamespace(clients, namespace, grant),
    async delete(name) {
      try {
        await core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 });
        await core.deleteNamespace({ name, propagationPolicy: 'Background' });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
    },
  };
}

export interface WaitOptions {
  timeoutMs: number;
  // Asked every few seconds while namespaces remain: a reason when waiting longer cannot help
  // (the namespace controller is not running); the wait then ends at once with that reason.
  // Given the namespaces still there (none yet with until 'requested').
  giveUp?: (remaining: readonly V1Namespace[]) => Promise<Blocked | undefined>;
  giveUpEveryMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  // 'requested': once every deletion is accepted, ask giveUp once and return without waiting for the
  // namespace controller (their names are `pending`). Default 'gone'.
  until?: 'gone' | 'requested';
}

// Why waiting for a deletion cannot help, and the component that holds it.
export interface Blocked {
  reason: string;
  component: string;
}

export interface Removal {
  removed: string[];
  // Still there when the wait ended, with what holds them.
  stuck: { name: string; detail: string }[];
  // Why the wait ended early, when giveUp said so.
  gaveUp?: Blocked;
  // Deleted but not waited for (WaitOptions.until 'requested'): Terminating, the controller running.
  pending?: string[];
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Deletes these namespaces of ours and waits until they are gone. Only namespaces shakedown created
// are deleted: one that merely carries our labels (set by hand, or by applying a copy) is left alone.
export async function removeNamespaces(api: NamespaceApi, targets: readonly V1Namespace[], wait: WaitOptions): Promise<Removal> {
  const ours = targets.filter(createdByShakedown);
  const names = ours.map((namespace) => namespace.metadata?.name ?? '').filter((name) => name !== '');
  if (names.length === 0) return { removed: [], stuck: [] };
  await Promise.all(names.map((name) => api.delete(name)));
  if (wait.until === 'requested') {
    const gaveUp = await wait.giveUp?.([]).catch(() => undefined);
    if (gaveUp === undefined) return { removed: [], stuck: [], pending: names };
    return { removed: [], stuck: names.map((name) => ({ name, detail: 'Terminating' })), gaveUp };
  }
  const sleep = wait.sleep ?? sleepFor;
  const now = wait.now ?? Date.now;
  const deadline = now() + wait.timeoutMs;
  let remaining: V1Namespace[] = [];
  let gaveUp: Blocked | undefined;
  let asked = now();
  for (;;) {
    const listed = await api.list(ownedSelector());
    remaining = listed.filter((namespace) => names.includes(namespace.metadata?.name ?? ''));
    if (remaining.length === 0 || now() >= deadline) break;
    if (wait.giveUp !== undefined && now() - asked >= (wait.giveUpEveryMs ?? 3000)) {
      asked = now();
      gaveUp = await wait.giveUp(remaining).catch(() => undefined);
      if (gaveUp !== undefined) break;
    }
    await sleep(wait.pollMs ?? 500);
  }
  const stuckNames = new Set(remaining.map((namespace) => namespace.metadata?.name ?? ''));
  return {
    removed: names.filter((name) => !stuckNames.has(name)),
    stuck: remaining.map((namespace) => ({ name: namespace.metadata?.name ?? '', detail: terminatingDetail(namespace) })),
    ...(gaveUp === undefined ? {} : { gaveUp }),
  };
}

// Removes every namespace of one run.
export async function removeRun(api: NamespaceApi, runId: string, wait: WaitOptions): Promise<Removal> {
  return removeNamespaces(api, await api.list(ownedSelector(runId)), wait);
}

export interface LeftoverRemoval extends Removal {
  selected: Leftover[];
  kept: { name: string; reason: string }[];
}

// Removes namespaces that earlier runs left: all of ours (or of one run), or only the expired ones.
export async function removeLeftovers(api: NamespaceApi, mode: CleanupMode, now: Date, wait: WaitOptions & { runId?: string }): Promise<LeftoverRemoval> {
  const listed = await api.list(ownedSelector(wait.runId));
  const selection = selectLeftovers(listed, mode, now);
  const chosen = new Set(selection.remove.map((leftover) => leftover.name));
  const removal = await removeNamespaces(
    api,
    listed.filter((namespace) => chosen.has(namespace.metadata?.name ?? '')),
    wait,
  );
  return { ...removal, selected: selection.remove, kept: selection.keep };
}

function terminatingDetail(namespace: V1Namespace): string {
  const phase = namespace.status?.phase ?? 'unknown phase';
  const holding = (namespace.status?.conditions ?? [])
    .filter((condition) => condition.status === 'True')
    .map((condition) => `${condition.type}: ${condition.message ?? ''}`.trim());
  return [phase, ...holding].join('; ');
}
