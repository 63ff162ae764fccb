// Per-node checks: the scheduler binds a pod pinned to each node, each node's heartbeat agrees
// with its Ready condition, the pod on each node runs, and the kubelet's streaming paths (logs,
// exec, port-forward) answer through the API server. Failures name the node.
import pLimit from 'p-limit';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { nodeLeases } from '../../helpers/kube/leases.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { kubeExecRunner } from '../../helpers/transport/exec.ts';
import { relook } from '../../helpers/wait/poll.ts';
import type { Origin } from '../../helpers/result.ts';
import type { PodWatch } from './api.ts';
import { leaseText, startBoundMs, usableSpace } from './controllers.ts';
import { nodeHealth, nodeLine, nodeProblems } from '../lib/heartbeats.ts';
import { isReady, podState } from './objects.ts';
import { execIn, portForward, readLog, type StreamResult } from './streams.ts';
import { lateNodes, timingLine, type NodeTiming } from './timing.ts';
import { boundMs, nodePodsOf } from './world.ts';

const STREAM_TIMEOUT_MS = 15_000;
const RE_READ_MS = 5000;

function nodeOrigin(nodes: readonly string[], all: number, summary: string): Origin {
  return { dimension: 'target-node', value: nodes.join(', '), summary, confidence: nodes.length < all ? 'high' : 'medium' };
}

// The node heartbeat line for a failure's evidence.
async function heartbeats(session: KubeSession, nodes: readonly string[]): Promise<string> {
  const leases = await nodeLeases(session.clients.coordination);
  const list = await session.clients.core.listNode();
  return list.items
    .filter((n) => nodes.includes(n.metadata?.name ?? ''))
    .map((n) => nodeLine(nodeHealth(n, leases?.get(n.metadata?.name ?? ''))))
    .join('\n');
}

// When the API server had the pod: its ADDED event on the watch (so the client rate-limit wait
// before the create call is not counted), else when the create call started.
function createdOn(watch: PodWatch, pod: { name: string; createdAt: number }): number {
  return watch.events.find((e) => e.type === 'ADDED' && e.object.metadata?.name === pod.name)?.at ?? pod.createdAt;
}

export async function bindingCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const world = await nodePodsOf(c);
  const { session } = await c.cluster();
  const bound = boundMs(c);
  const wrong: string[] = [];
  const timings: NodeTiming[] = await Promise.all(
    [...world.pods.entries()].map(async ([node, pod]) => {
      const event = await s.watch.waitFor(
        (e) => e.object.metadata?.name === pod.name && e.object.spec?.nodeName !== undefined && e.object.spec.nodeName !== '',
        { timeoutMs: bound, signal: c.signal },
      );
      if (event === undefined) return { node, detail: podState(s.watch.get(pod.name)) };
      if (event.object.spec?.nodeName !== node) wrong.push(`${pod.name} pinned to ${node} was bound to ${event.object.spec?.nodeName}`);
      return { node, ms: event.at - createdOn(s.watch, pod) };
    }),
  );
  const refused = [...world.refused.entries()].map(([node, why]) => `${node}: pod refused: ${why}`);
  c.evidence('bind time per node (pod created to spec.nodeName set, both seen on the watch)', timingLine(timings));
  c.property('control-plane.bind-ms', timings.map((t) => `${t.node}=${t.ms === undefined ? 'none' : Math.round(t.ms)}`).join(','));
  if (refused.length > 0)
    c.fail('error', `the pinned pod could not be created on ${world.refused.size} node(s)`, {
      evidence: [{ label: 'refused', text: refused.join('\n') }],
      likelyCause: 'admission refused the pod (Pod Security, a quota, a webhook): the message names it',
    });
  if (wrong.length > 0)
    c.fail('mismatch', `the scheduler ignored node affinity: ${wrong.join('; ')}`, {
      likelyCause: 'a scheduler other than kube-scheduler (or a broken one) binds pods',
    });
  const late = lateNodes(timings, bound);
  if (late.length > 0) {
    for (const t of late) {
      const pod = s.watch.get(world.pods.get(t.node)?.name ?? '');
      if (pod !== undefined) c.track(pod);
    }
    const states = late.map((t) => s.watch.get(world.pods.get(t.node)?.name ?? ''));
    const considered = states.some((p) => p?.status?.conditions?.some((x) => x.type === 'PodScheduled') === true);
    c.fail(
      'timeout',
      `pods pinned to ${late.map((t) => t.node).join(', ')} were not bound within ${Math.round(bound / 1000)} s (${late.map((t) => `${t.node}: ${t.detail ?? 'late'}`).join('; ')})`,
      {
        likelyCause: considered
          ? 'the scheduler ran and found the node unfit: its PodScheduled condition and FailedScheduling events say why (taints, resources, affinity)'
          : 'no scheduler acted on the pods (no PodScheduled condition, no FailedScheduling event): kube-scheduler is not running',
        evidence: [{ label: 'scheduler', text: await leaseText(session, 'kube-scheduler') }],
        origin: considered
          ? nodeOrigin(
              late.map((t) => t.node),
              timings.length,
              'the pods pinned there were not bound',
            )
          : { dimension: 'component', value: 'kube-scheduler', summary: 'no pod was considered for binding', confidence: 'high' },
      },
    );
  }
  c.note(`bound in ${timingLine(timings)} (bound ${Math.round(bound / 1000)} s)`);
}

export async function heartbeatCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const read = async () => {
    const leases = await nodeLeases(session.clients.coordination);
    if (leases === undefined) c.fail('error', 'the node Leases in kube-node-lease could not be read');
    const nodes = (await session.clients.core.listNode()).items;
    const health = nodes.map((n) => nodeHealth(n, leases.get(n.metadata?.name ?? '')));
    return { nodes, health, problems: nodeProblems(health) };
  };
  // Read once more before judging: a kubelet renews every 10 s, a late renewal is not a dead kubelet.
  const { nodes, health, problems } = (
    await relook(read, (r) => r.problems.length > 0, {
      afterMs: RE_READ_MS,
      signal: c.signal,
      onBad: (r) => c.log(`first reading: ${r.problems.map((p) => p.text).join('; ')}`),
    })
  ).value;
  c.evidence('nodes', health.map(nodeLine).join('\n'));
  if (problems.length > 0) {
    const names = [...new Set(problems.map((p) => p.node))];
    const byComponent = problems.every((p) => p.component === 'kube-controller-manager');
    c.fail(problems.some((p) => p.component === 'kubelet') ? 'expired' : 'mismatch', problems.map((p) => p.text).join('; '), {
      likelyCause: [...new Set(problems.map((p) => p.likelyCause))].join('; '),
      origin: byComponent
        ? { dimension: 'component', value: 'kube-controller-manager', summary: 'stale node Leases are not noticed', confidence: 'medium' }
        : nodeOrigin(names, nodes.length, `the kubelet or node conditions of ${names.join(', ')}`),
    });
  }
  c.note(`${nodes.length} node(s): heartbeats fresh, Ready, no pressure`);
}

export async function podRunsCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const world = await nodePodsOf(c);
  const { session } = await c.cluster();
  const bound = startBoundMs(c);
  const timings: NodeTiming[] = await Promise.all(
    [...world.pods.entries()].map(async ([node, pod]) => {
      const event = await s.watch.waitFor((e) => e.object.metadata?.name === pod.name && isReady(e.object), { timeoutMs: bound, signal: c.signal });
      return event === undefined ? { node, detail: podState(s.watch.get(pod.name)) } : { node, ms: event.at - createdOn(s.watch, pod) };
    }),
  );
  c.evidence('create to Ready per node', timingLine(timings));
  if (world.refused.size > 0) c.fail('error', `no pod could be created on ${[...world.refused.keys()].join(', ')}: ${[...world.refused.values()][0]}`);
  const late = lateNodes(timings, bound);
  if (late.length > 0) {
    const names = late.map((t) => t.node);
    for (const t of late) {
      const pod = s.watch.get(world.pods.get(t.node)?.name ?? '');
      if (pod !== undefined) c.track(pod);
    }
    const unbound = late.every((t) => /not bound|unschedulable/.test(t.detail ?? ''));
    c.fail(
      'timeout',
      `the pod on ${names.join(', ')} did not become ready within ${Math.round(bound / 1000)} s (${late.map((t) => `${t.node}: ${t.detail ?? 'late'}`).join('; ')})`,
      {
        likelyCause: unbound
          ? 'the pods were never bound to their nodes: see the scheduler checks'
          : `the kubelet on ${names.join(', ')} does not start pods (stopped, or its container runtime, image or network plugin fails): the pod's events and the node's heartbeat say which`,
        evidence: [{ label: 'heartbeats', text: await heartbeats(session, names) }],
        origin: unbound
          ? { dimension: 'component', value: 'kube-scheduler', summary: 'the pods were never bound to a node', confidence: 'medium' }
          : nodeOrigin(names, timings.length, `pods on ${names.join(', ')} do not start${names.length < timings.length ? ', on the other nodes they do' : ''}`),
      },
    );
  }
  c.note(`ready on every node: ${timingLine(timings)}`);
}

export async function streamsCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const world = await nodePodsOf(c);
  const { session } = await c.cluster();
  const runner = kubeExecRunner(session.kc, { ...(session.connection.throttle === undefined ? {} : { throttle: session.connection.throttle }) });
  const limit = pLimit(4);
  const results = await Promise.all(
    [...world.pods.entries()].map(([node, pod]) =>
      limit(async (): Promise<{ node: string; results: StreamResult[]; missing?: string }> => {
        const ready = await s.watch.waitFor((e) => e.object.metadata?.name === pod.name && isReady(e.object), { timeoutMs: startBoundMs(c), signal: c.signal });
        if (ready === undefined) return { node, results: [], missing: `no ready pod on ${node} (${podState(s.watch.get(pod.name))})` };
        const ref = { namespace: s.name, name: pod.name, node };
        // Each is tried once more before it counts as failing (the project's re-probe rule).
        const twice = async (attempt: () => Promise<StreamResult>) => (await relook(attempt, (r) => !r.ok, { afterMs: 0, signal: c.signal })).value;
        return {
          node,
          results: [
            await twice(() => readLog(session, ref)),
            await twice(() => execIn(runner, ref, STREAM_TIMEOUT_MS, c.signal)),
            await twice(() => portForward(session, ref, STREAM_TIMEOUT_MS, c.signal)),
          ],
        };
      }),
    ),
  );
  c.evidence(
    'per node',
    results
      .map(
        (r) =>
          `${r.node}: ${r.missing ?? r.results.map((x) => `${x.kind} ${x.ok ? 'ok' : 'FAILED'} ${Math.round(x.ms)}ms${x.ok ? '' : ` (${x.detail})`}`).join(', ')}`,
      )
      .join('\n'),
  );
  const failing = results.filter((r) => r.missing !== undefined || r.results.some((x) => !x.ok));
  if (failing.length > 0) {
    const names = failing.map((r) => r.node);
    const what = failing.map(
      (r) =>
        `${r.node}: ${
          r.missing ??
          r.results
            .filter((x) => !x.ok)
            .map((x) => `${x.kind} (${x.detail})`)
            .join(', ')
        }`,
    );
    const refused = failing.every((r) => r.missing === undefined && r.results.filter((x) => !x.ok).every((x) => /\b403\b|forbidden/i.test(x.detail)));
    c.fail(refused ? 'forbidden' : 'error', `streaming through the API server fails on ${names.join(', ')}: ${what.join('; ')}`, {
      likelyCause: refused
        ? 'the API server refuses this user the subresource (RBAC): grant what the message names; websocket exec and port-forward are GET requests, so they need get as well as create'
        : failing.every((r) => r.missing !== undefined)
          ? 'the pods never became ready there: see "a pod runs on every node"'
          : `the API server cannot reach the kubelet on ${names.join(', ')} (port 10250, its serving certificate, --kubelet-certificate-authority / --kubelet-client-certificate) or that kubelet is down; kubectl logs/exec/port-forward, webhooks and metrics all take this path`,
      evidence: [{ label: 'heartbeats', text: await heartbeats(session, names) }],
      origin: nodeOrigin(names, results.length, `logs, exec or port-forward fail for pods on ${names.join(', ')}`),
    });
  }
  c.note(`logs, exec and port-forward answer on ${results.length} node(s)`);
}
