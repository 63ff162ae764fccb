// The control-plane suite's own namespace and pods, file-scoped fixtures built on first use and
// shared by its checks: the namespace (with how long its ServiceAccount and root CA took to
// appear), a watch of its pods (every bind, start and readiness time comes from there, on our
// clock, without polling a list through the rate limit), and one pod pinned to every schedulable
// node. Removed after the last check (the run's cleanup removes it too if this worker dies).
import pLimit from 'p-limit';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { defineFixtures, fixture } from '../../helpers/fixtures/fixture.ts';
import { statusCode } from '../../helpers/kube/api-errors.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { poll, timeoutSignal } from '../../helpers/wait/poll.ts';
import { runNamespace } from '../../helpers/run/labels.ts';
import { createRunNamespace } from '../../helpers/run/namespaces.ts';
import { watchPods, type PodWatch } from './api.ts';
import manifest from './manifest.ts';
import { nodePod } from './objects.ts';

export interface Space {
  name: string;
  createdAt: number;
  // Time from the namespace's create call to the object's first sighting; undefined when not within the bound.
  serviceAccountMs?: number;
  // When the last read that found no ServiceAccount was sent (reads wait for the API rate limit).
  serviceAccountMissingAtMs?: number;
  rootCaMs?: number;
  boundMs: number;
  watch?: PodWatch;
  watchError?: string;
}

export interface NodePodsWorld {
  // Pod name and the time its create call started, by node.
  pods: Map<string, { name: string; createdAt: number }>;
  // Nodes whose pod could not even be created, with the API's answer.
  refused: Map<string, string>;
}

// The namespace with the session that made it (to remove it with).
interface Owned {
  space: Space;
  session: KubeSession;
}

const world = defineFixtures({
  space: fixture({ scope: 'file', setup: (_deps, c) => buildSpace(c), teardown: removeSpace }),
  nodePods: fixture({ scope: 'file', deps: ['space'], setup: (deps, c) => buildNodePods(c, (deps['space'] as Owned).space) }),
});

export function boundMs(c: CheckContext): number {
  return suiteOptions(c.run, manifest).bound;
}

export async function spaceOf(c: CheckContext): Promise<Space> {
  return (await world.within(c, (use) => use('space'))).space;
}

export function nodePodsOf(c: CheckContext): Promise<NodePodsWorld> {
  return world.within(c, (use) => use('nodePods'));
}

// After the suite's last check: the watch stopped, the pods and the namespace deleted.
export function closeWorld(): Promise<void> {
  return world.close();
}

export function schedulableNodes(c: CheckContext): string[] {
  return c.run.cluster.nodes.filter((n) => n.schedulable).map((n) => n.name);
}

export function nodePodName(index: number): string {
  return `node-${index}`;
}

async function buildSpace(c: CheckContext): Promise<Owned> {
  const { session } = await c.cluster();
  const core = session.clients.core;
  const name = `${c.run.runId}-cp`.slice(0, 63);
  const bound = boundMs(c);
  const createdAt = performance.now();
  await createRunNamespace(
    session.clients,
    runNamespace({
      name,
      runId: c.run.runId,
      expiresAt: new Date(c.run.expiresAt),
      purpose: 'control-plane: a new namespace, its pods, a Deployment and Services',
    }),
    c.run.grant,
  );
  c.log(`created namespace ${name}`);
  const seen: { sa?: number; ca?: number; saMissingAt?: number; readError?: string } = {};
  // Whether the object exists; a failed read (not a 404) counts as not seen yet, and the poll goes on.
  const exists = async (read: () => Promise<unknown>): Promise<boolean> => {
    try {
      await read();
      return true;
    } catch (error) {
      if (statusCode(error) !== 404) seen.readError = (error as Error).message;
      return false;
    }
  };
  const found = await poll(
    async () => {
      const sent = performance.now() - createdAt;
      const [sa, ca] = await Promise.all([
        seen.sa === undefined ? exists(() => core.readNamespacedServiceAccount({ namespace: name, name: 'default' })) : true,
        seen.ca === undefined ? exists(() => core.readNamespacedConfigMap({ namespace: name, name: 'kube-root-ca.crt' })) : true,
      ]);
      const now = performance.now() - createdAt;
      if (!sa) seen.saMissingAt = sent;
      if (sa && seen.sa === undefined) seen.sa = now;
      if (ca && seen.ca === undefined) seen.ca = now;
      return sa && ca;
    },
    (ok) => ok,
    { timeoutMs: bound, intervalMs: 400 },
  );
  if (seen.readError !== undefined) c.log(`a read failed while polling (polling went on): ${seen.readError}`);
  c.log(
    `namespace ${name}: ServiceAccount default ${seen.sa === undefined ? 'missing' : `after ${Math.round(seen.sa)}ms`}, kube-root-ca.crt ${seen.ca === undefined ? 'missing' : `after ${Math.round(seen.ca)}ms`} (${found.attempts} polls)`,
  );
  let watch: PodWatch | undefined;
  let watchError: string | undefined;
  // The watch is the file's, not the opening check's: only its first list is bounded (by the bound
  // or that check's end); after that it runs until the fixture's teardown stops it.
  const owner = new AbortController();
  const opening = timeoutSignal(bound, c.signal);
  const giveUp = () => owner.abort(new Error(`the first list of the pods of ${name} did not answer within ${Math.round(bound / 1000)} s`));
  opening.addEventListener('abort', giveUp, { once: true });
  try {
    watch = await watchPods(session, name, owner.signal);
  } catch (error) {
    watchError = error instanceof Error ? error.message : String(error);
  } finally {
    opening.removeEventListener('abort', giveUp);
  }
  const space: Space = {
    name,
    createdAt,
    boundMs: bound,
    ...(seen.sa === undefined ? {} : { serviceAccountMs: seen.sa }),
    ...(seen.saMissingAt === undefined ? {} : { serviceAccountMissingAtMs: seen.saMissingAt }),
    ...(seen.ca === undefined ? {} : { rootCaMs: seen.ca }),
    ...(watch === undefined ? {} : { watch }),
    ...(watchError === undefined ? {} : { watchError }),
  };
  return { space, session };
}

// The namespace is usable for pods only once its default ServiceAccount exists (the ServiceAccount
// admission plugin refuses pods before that); the message names the component that makes it.
export function podsRefusedReason(s: Space): string | undefined {
  if (s.serviceAccountMs !== undefined) return undefined;
  return `namespace ${s.name} got no default ServiceAccount within ${Math.round(s.boundMs / 1000)} s, so no pod can be created in it: kube-controller-manager (its serviceaccount controller) is not running or not working`;
}

async function buildNodePods(c: CheckContext, s: Space): Promise<NodePodsWorld> {
  const refusedWhy = podsRefusedReason(s);
  if (refusedWhy !== undefined) throw new Error(refusedWhy);
  const core = (await c.cluster()).session.clients.core;
  const pods = new Map<string, { name: string; createdAt: number }>();
  const refused = new Map<string, string>();
  const limit = pLimit(8);
  await Promise.all(
    schedulableNodes(c).map((node, index) =>
      limit(async () => {
        const name = nodePodName(index);
        const createdAt = performance.now();
        try {
          await core.createNamespacedPod({ namespace: s.name, body: nodePod({ name, namespace: s.name, runId: c.run.runId, node, image: c.run.image }) });
          pods.set(node, { name, createdAt });
        } catch (error) {
          refused.set(node, error instanceof Error ? error.message.slice(0, 300) : String(error));
        }
      }),
    ),
  );
  c.log(`created ${pods.size} pinned pods in ${s.name}${refused.size > 0 ? `; refused on ${[...refused.keys()].join(', ')}` : ''}`);
  return { pods, refused };
}

async function removeSpace({ space, session }: Owned): Promise<void> {
  space.watch?.stop();
  try {
    await session.clients.core.deleteCollectionNamespacedPod({ namespace: space.name, gracePeriodSeconds: 0 });
    await session.clients.core.deleteNamespace({ name: space.name, propagationPolicy: 'Background' });
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
}
