// What kube-controller-manager (and kube-scheduler) must do, judged by doing it: leader Leases,
// a new namespace's ServiceAccount and root CA, a Deployment through its ReplicaSet to a ready Pod
// and back through the garbage collector, and EndpointSlices following a Service's pods.
import type { V1Pod } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { componentLease, type LeaseComponent } from '../../helpers/kube/leases.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { endpointsOf, formatEndpoints, type EndpointView } from '../../helpers/objects/endpoints.ts';
import { poll } from '../../helpers/wait/poll.ts';
import type { PodEvent, PodWatch } from './api.ts';
import { judgeLeaderLease } from '../lib/heartbeats.ts';
import { ROLE, SLICE_LABEL, deployment, isReady, podState, service } from './objects.ts';
import { ms } from './timing.ts';
import { boundMs, nodePodsOf, podsRefusedReason, spaceOf, type Space } from './world.ts';

// How long a pod may take from create to Ready (image present, a loaded node): at least a minute.
export function startBoundMs(c: CheckContext): number {
  return Math.max(boundMs(c), 60_000);
}

// How long a stale leader Lease is watched for a new holder before it counts (a lease duration and a margin).
const LEADER_TAKEOVER_MS = 20_000;

export async function leaseText(session: KubeSession, component: LeaseComponent): Promise<string> {
  try {
    return judgeLeaderLease(component, await componentLease(session.clients.coordination, component)).text;
  } catch (error) {
    return `leader Lease of ${component} could not be read: ${(error as Error).message}`;
  }
}

export async function leaderLeaseCheck(c: CheckContext, component: LeaseComponent, functional: string): Promise<void> {
  const { session } = await c.cluster();
  let verdict = judgeLeaderLease(component, await componentLease(session.clients.coordination, component));
  if (verdict.kind === 'stale') {
    // A restarted component takes over only once the old leader's Lease has run out: give a live
    // candidate one more lease duration before saying that none is there.
    const first = verdict.text;
    const again = await poll(
      async () => judgeLeaderLease(component, await componentLease(session.clients.coordination, component)),
      (v) => v.kind !== 'stale',
      { timeoutMs: LEADER_TAKEOVER_MS, intervalMs: 2000, signal: c.signal },
    );
    c.log(`first reading: ${first}; ${again.ok ? `held again after ${ms(again.elapsedMs)}` : `still not renewed ${ms(again.elapsedMs)} later`}`);
    verdict = again.value;
  }
  switch (verdict.kind) {
    case 'held':
      return c.note(verdict.text);
    case 'absent':
      return c.warn(`${verdict.text} (${functional})`);
    case 'unreadable':
      return c.fail('error', verdict.text);
    case 'stale':
      return c.fail('expired', verdict.text, {
        likelyCause: verdict.likelyCause,
        origin: {
          dimension: 'component',
          value: component,
          summary: `expected the leader Lease renewed within its duration, seen: ${verdict.text}`,
          confidence: verdict.confidence,
        },
      });
  }
}

// The namespace of the run, usable for pods (its ServiceAccount exists), or the failure that says why not.
export async function usableSpace(c: CheckContext): Promise<Space & { watch: PodWatch }> {
  const s = await spaceOf(c);
  const refused = podsRefusedReason(s);
  if (refused !== undefined) {
    const { session } = await c.cluster();
    c.fail('missing', refused, {
      likelyCause: 'kube-controller-manager is not running (or its serviceaccount controller is disabled)',
      evidence: [{ label: 'controller-manager', text: await leaseText(session, 'kube-controller-manager') }],
    });
  }
  if (s.watch === undefined) c.fail('error', `the pods of namespace ${s.name} could not be watched: ${s.watchError ?? 'unknown error'}`);
  return s as Space & { watch: PodWatch };
}

export async function namespaceCheck(c: CheckContext): Promise<void> {
  const s = await spaceOf(c);
  const { session } = await c.cluster();
  const seen = `ServiceAccount default ${s.serviceAccountMs === undefined ? 'missing' : `after <= ${ms(s.serviceAccountMs)}${s.serviceAccountMissingAtMs === undefined ? '' : ` (not yet at ${ms(s.serviceAccountMissingAtMs)})`}`}, ConfigMap kube-root-ca.crt ${s.rootCaMs === undefined ? 'missing' : `after <= ${ms(s.rootCaMs)}`}`;
  const missing = [
    s.serviceAccountMs === undefined ? 'the default ServiceAccount (serviceaccount controller)' : '',
    s.rootCaMs === undefined ? 'kube-root-ca.crt (root-ca-cert-publisher)' : '',
  ].filter((x) => x !== '');
  if (missing.length > 0) {
    c.fail(
      'missing',
      `namespace ${s.name} has no ${missing.join(' and no ')} ${Math.round(s.boundMs / 1000)} s after it was created (expected both within the bound; seen: ${seen})`,
      {
        likelyCause: `kube-controller-manager is not running or its ${missing.length === 2 ? 'controllers are' : 'controller is'} disabled: pods in new namespaces are refused with "serviceaccount \\"default\\" not found"`,
        evidence: [{ label: 'controller-manager', text: await leaseText(session, 'kube-controller-manager') }],
        origin: {
          dimension: 'component',
          value: 'kube-controller-manager',
          summary: `a new namespace did not get ${missing.join(' and ')}`,
          confidence: 'high',
        },
      },
    );
  }
  c.note(`${seen} (bound ${Math.round(s.boundMs / 1000)} s)`);
}

const podsOf = (watch: PodWatch, role: string) => watch.objects().filter((p) => p.metadata?.labels?.[ROLE] === role);

export async function deploymentCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const { session } = await c.cluster();
  const { apps } = session.clients;
  const bound = boundMs(c);
  const name = 'web';
  const selector = `${ROLE}=${name}`;
  const started = performance.now();
  c.track(await apps.createNamespacedDeployment({ namespace: s.name, body: deployment({ name, namespace: s.name, runId: c.run.runId, image: c.run.image }) }));
  const cm = () => leaseText(session, 'kube-controller-manager');
  // The first Pod of the Deployment proves its ReplicaSet (the Pod's owner) exists: seen on the
  // watch, without polling. Only when no Pod comes is the ReplicaSet looked up, to say which
  // controller stopped.
  const podOfDeployment = (e: PodEvent) => e.type !== 'DELETED' && e.object.metadata?.labels?.[ROLE] === name;
  const first = await s.watch.waitFor(podOfDeployment, { timeoutMs: bound, signal: c.signal });
  if (first === undefined) {
    const sets = await apps.listNamespacedReplicaSet({ namespace: s.name, labelSelector: selector });
    const rs = sets.items[0];
    if (rs === undefined) {
      const d = await apps.readNamespacedDeployment({ namespace: s.name, name });
      c.fail('missing', `Deployment ${s.name}/${name} has no ReplicaSet ${Math.round(bound / 1000)} s after it was created`, {
        likelyCause: 'the deployment controller of kube-controller-manager is not running',
        evidence: [
          {
            label: 'Deployment conditions',
            text:
              (d.status?.conditions ?? []).map((x) => `${x.type}=${x.status} ${x.reason ?? ''} ${x.message ?? ''}`).join('\n') ||
              '(none: no controller has looked at it)',
          },
          { label: 'controller-manager', text: await cm() },
        ],
        origin: { dimension: 'component', value: 'kube-controller-manager', summary: 'a Deployment got no ReplicaSet', confidence: 'high' },
      });
    }
    c.track(rs);
    const failure = rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    c.fail('missing', `ReplicaSet ${s.name}/${rs.metadata?.name ?? '?'} made no Pod within ${Math.round(bound / 1000)} s`, {
      likelyCause:
        failure?.message === undefined ? 'the replicaset controller of kube-controller-manager is not running' : `pod creation is refused: ${failure.message}`,
      evidence: [{ label: 'controller-manager', text: await cm() }],
      origin: {
        dimension: 'component',
        value: 'kube-controller-manager',
        summary: 'a ReplicaSet made no Pod',
        confidence: failure === undefined ? 'high' : 'low',
      },
    });
  }
  const podMs = first.at - started;
  const owner = first.object.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name ?? '?';
  const ready = await s.watch.waitFor((e) => podOfDeployment(e) && isReady(e.object), { timeoutMs: startBoundMs(c), signal: c.signal });
  if (ready === undefined) {
    const pods = podsOf(s.watch, name);
    for (const pod of pods) c.track(pod);
    c.fail(
      'timeout',
      `the Deployment's Pod did not become ready within ${Math.round(startBoundMs(c) / 1000)} s: ${pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? '(unbound)'}: ${podState(p)}`).join('; ')}`,
      {
        likelyCause: pods.some((p) => p.spec?.nodeName === undefined)
          ? 'the scheduler did not bind it (see the scheduler checks)'
          : "the kubelet of its node did not start it (see the pod's events)",
      },
    );
  }
  const readyMs = ready.at - started;
  // Background propagation: the Deployment goes at once, the garbage collector removes the rest.
  await apps.deleteNamespacedDeployment({ namespace: s.name, name, propagationPolicy: 'Background' });
  const deletedAt = performance.now();
  const podsGone = await s.watch.until(() => podsOf(s.watch, name).every((p) => p.metadata?.deletionTimestamp !== undefined), {
    timeoutMs: bound,
    signal: c.signal,
  });
  const collected = await poll(
    async () => {
      const pods = podsOf(s.watch, name).filter((p) => p.metadata?.deletionTimestamp === undefined).length;
      try {
        return { sets: (await apps.listNamespacedReplicaSet({ namespace: s.name, labelSelector: selector })).items.length, pods };
      } catch (error) {
        return { sets: -1, pods, error: (error as Error).message };
      }
    },
    (v) => v.sets === 0 && v.pods === 0,
    { timeoutMs: Math.max(0, bound - (performance.now() - deletedAt)), intervalMs: 500, signal: c.signal },
  );
  if (!collected.ok) {
    c.fail(
      'timeout',
      `${Math.round(bound / 1000)} s after the Deployment was deleted, ${collected.value.sets < 0 ? `its ReplicaSets could not be listed (${collected.value.error})` : `${collected.value.sets} ReplicaSet(s)`} and ${collected.value.pods} Pod(s) of it remain (expected the garbage collector to delete them)`,
      {
        likelyCause: 'the garbage collector of kube-controller-manager is not running (or is stuck on its discovery of the API)',
        evidence: [{ label: 'controller-manager', text: await cm() }],
        origin: { dimension: 'component', value: 'kube-controller-manager', summary: 'the dependents of a deleted Deployment stayed', confidence: 'high' },
      },
    );
  }
  c.note(
    `ReplicaSet ${owner} and its Pod after ${ms(podMs)}, Pod ready after ${ms(readyMs)}; after deletion the Pod was collected in ${ms(podsGone.elapsedMs)} and the ReplicaSet confirmed gone after ${ms(performance.now() - deletedAt)}`,
  );
}

// Ready pinned pods (at most one per node), waited for within the start bound.
export async function readyNodePods(c: CheckContext, s: Space & { watch: PodWatch }): Promise<V1Pod[]> {
  const world = await nodePodsOf(c);
  const names = new Set([...world.pods.values()].map((p) => p.name));
  await Promise.all(
    [...names].map((name) => s.watch.waitFor((e) => e.object.metadata?.name === name && isReady(e.object), { timeoutMs: startBoundMs(c), signal: c.signal })),
  );
  return s.watch.objects().filter((p) => names.has(p.metadata?.name ?? '') && isReady(p));
}

// A Service's endpoints, or why they could not be read this time (a poll tolerates a failed read).
async function slicesOf(session: KubeSession, namespace: string, name: string): Promise<{ endpoints: EndpointView[]; error?: string }> {
  try {
    const list = await session.clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` });
    return { endpoints: endpointsOf(list.items) };
  } catch (error) {
    return { endpoints: [], error: `listing its EndpointSlices failed: ${(error as Error).message}` };
  }
}

const seenText = (v: { endpoints: EndpointView[]; error?: string }) => (v.error === undefined ? formatEndpoints(v.endpoints) : v.error);

export async function endpointSliceCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const { session } = await c.cluster();
  const bound = boundMs(c);
  const pods = await readyNodePods(c, s);
  if (pods.length === 0) c.fail('missing', 'no pinned pod became ready: nothing for EndpointSlices to follow (see "a pod runs on every node")');
  const name = 'slices';
  const started = performance.now();
  c.track(
    await session.clients.core.createNamespacedService({
      namespace: s.name,
      body: service({ name, namespace: s.name, runId: c.run.runId, selector: { [ROLE]: 'node', [SLICE_LABEL]: 'in' } }),
    }),
  );
  const ips = pods.map((p) => p.status?.podIP ?? '');
  const listed = await poll(
    () => slicesOf(session, s.name, name),
    (v) => v.error === undefined && ips.every((ip) => v.endpoints.some((e) => e.address === ip && e.ready)),
    { timeoutMs: bound, intervalMs: 800, signal: c.signal },
  );
  const cm = () => leaseText(session, 'kube-controller-manager');
  if (!listed.ok) {
    const absent = pods
      .filter((p) => !listed.value.endpoints.some((e) => e.address === p.status?.podIP && e.ready))
      .map((p) => `${p.metadata?.name} ${p.status?.podIP}`);
    c.fail(
      'missing',
      `the EndpointSlices of Service ${s.name}/${name} lack ready pods ${Math.round(bound / 1000)} s after it was created: ${absent.join(', ')}`,
      {
        likelyCause: 'the endpointslice controller of kube-controller-manager is not running',
        evidence: [
          { label: 'endpoints (last reading)', text: seenText(listed.value) },
          { label: 'controller-manager', text: await cm() },
        ],
        origin: { dimension: 'component', value: 'kube-controller-manager', summary: 'a new Service got no endpoints for its ready pods', confidence: 'high' },
      },
    );
  }
  const listedMs = performance.now() - started;
  const leaving = pods[0];
  const leavingName = leaving?.metadata?.name ?? '';
  const leavingIp = leaving?.status?.podIP ?? '';
  const patched = await session.connection.send({
    method: 'PATCH',
    path: `/api/v1/namespaces/${s.name}/pods/${leavingName}`,
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { labels: { [SLICE_LABEL]: 'out' } } }),
    timeoutMs: 10_000,
  });
  if (patched.status !== 200) c.fail('http-status', `relabelling pod ${leavingName} answered HTTP ${patched.status}: ${patched.text.slice(0, 200)}`);
  const dropped = await poll(
    () => slicesOf(session, s.name, name),
    (v) => v.error === undefined && !v.endpoints.some((e) => e.address === leavingIp),
    { timeoutMs: bound, intervalMs: 800, signal: c.signal },
  );
  if (!dropped.ok) {
    c.fail(
      'mismatch',
      `pod ${leavingName} (${leavingIp}) left the selector of Service ${s.name}/${name} but its EndpointSlices still list it ${Math.round(bound / 1000)} s later`,
      {
        likelyCause: 'the endpointslice controller of kube-controller-manager is not running or lags behind',
        evidence: [
          { label: 'endpoints (last reading)', text: seenText(dropped.value) },
          { label: 'controller-manager', text: await cm() },
        ],
        origin: {
          dimension: 'component',
          value: 'kube-controller-manager',
          summary: 'EndpointSlices did not follow a pod leaving the selector',
          confidence: 'high',
        },
      },
    );
  }
  c.note(`${ips.length} ready pod(s) listed after ${ms(listedMs)}; a pod leaving the selector dropped after ${ms(dropped.elapsedMs)}`);
}
