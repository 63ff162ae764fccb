// kube-proxy (or its replacement) on every node, from that node's probe agent: its health endpoint,
// and how long a Service created now takes to answer from each node (the first correct answer,
// then 3 in a row), measured by polling, never slept.
import pLimit from 'p-limit';
import type { ProbeResult } from '../../agent/protocol.ts';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { everyNodeAgents } from '../../helpers/fleet/plan.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { poll, relook } from '../../helpers/wait/poll.ts';
import { readyNodePods, usableSpace } from './controllers.ts';
import { judgeProxyHealth, type ProxyHealth } from './judge.ts';
import { MARKER, ROLE, service } from './objects.ts';
import { lateNodes, ms, timingLine, type NodeTiming } from './timing.ts';
import { boundMs } from './world.ts';

export const PROXY_HEALTH_PORT = 10256;
const PROBE_MS = 1000;
const POLL_MS = 250;

export async function proxyHealthCheck(c: CheckContext): Promise<void> {
  const { transport } = await c.cluster();
  const agents = everyNodeAgents(c.run.fleet);
  const ips = new Map(c.run.cluster.nodes.map((n) => [n.name, n.internalIP]));
  const limit = pLimit(8);
  const ask = (agent: ProbeAgent) =>
    limit(async (): Promise<ProxyHealth> => {
      const ip = ips.get(agent.node);
      if (ip === undefined) return { node: agent.node, state: 'unasked', detail: 'the node has no InternalIP' };
      try {
        const response = await transport.probe(
          agent,
          [{ id: 'healthz', kind: 'http', url: `http://${ip.includes(':') ? `[${ip}]` : ip}:${PROXY_HEALTH_PORT}/healthz`, timeoutMs: 3000 }],
          { signal: c.signal },
        );
        const result = response.results[0];
        const status = result?.http?.status;
        if (status === 200) return { node: agent.node, state: 'healthy', detail: `HTTP 200 ${(result?.http?.body ?? '').slice(0, 120)}` };
        if (status !== undefined) return { node: agent.node, state: 'unhealthy', detail: `HTTP ${status} ${(result?.http?.body ?? '').slice(0, 120)}` };
        return { node: agent.node, state: 'unreachable', detail: `${result?.outcome ?? 'no result'}: ${result?.detail ?? ''}` };
      } catch (error) {
        return { node: agent.node, state: 'unasked', detail: `the agent could not be asked: ${(error as Error).message}` };
      }
    });
  // Every node that does not answer healthy is asked once more before it counts.
  const results: ProxyHealth[] = await Promise.all(
    agents.map(
      async (agent) =>
        (
          await relook(
            () => ask(agent),
            (r) => r.state !== 'healthy',
            { afterMs: 0, signal: c.signal },
          )
        ).value,
    ),
  );
  c.evidence(
    `GET http://<node InternalIP>:${PROXY_HEALTH_PORT}/healthz from each node's agent`,
    results.map((r) => `${r.node}: ${r.state} (${r.detail})`).join('\n'),
  );
  const verdict = judgeProxyHealth(results);
  if (verdict.kind === 'unreachable') {
    return c.skip(
      `kube-proxy's health endpoint (port ${PROXY_HEALTH_PORT}) answers on no node: not reachable from pods (bound to localhost, or kube-proxy replaced); "a new Service is programmed on every node" judges the Service path`,
    );
  }
  if (verdict.kind === 'failing') {
    c.fail('error', `kube-proxy health fails on ${verdict.nodes.join(', ')}: ${verdict.text}`, {
      likelyCause: verdict.likelyCause,
      origin: {
        dimension: 'source-node',
        value: verdict.nodes.join(', '),
        summary: `kube-proxy on ${verdict.nodes.join(', ')} is not healthy, on the other nodes it is`,
        confidence: verdict.nodes.length < results.length ? 'high' : 'medium',
      },
    });
  }
  c.note(`healthy on ${results.length} node(s)`);
}

const correct = (r: ProbeResult | undefined) => r?.outcome === 'ok' && r.http?.status === 200 && (r.http.body ?? '').startsWith(MARKER);

interface Programming extends NodeTiming {
  // From the Service's create to 3 correct answers in a row.
  stableMs?: number;
  // When the last wrong answer's request was sent: the Service was programmed after this. Polls go
  // through the API rate limit, so the time lies between this and ms.
  notBeforeMs?: number;
  last?: string;
  // False when the agent never returned a result (the transport failed every time): nothing was learnt about kube-proxy.
  asked: boolean;
}

// Polls one agent with one request until the first right answer (fine-grained: when the Service
// was programmed there), then with 3 requests in a row (one batch, asked by the agent one after
// the other) until all 3 answer right, or the bound passes: two polls of the engine on one deadline.
async function programmedOn(
  transport: ProbeTransport,
  agent: ProbeAgent,
  url: string,
  createdAt: number,
  bound: number,
  signal: AbortSignal,
): Promise<Programming> {
  let notBeforeMs: number | undefined;
  let asked = false;
  let last = '';
  const targets = [0, 1, 2].map((i) => ({ id: `svc-${i}`, kind: 'http' as const, url, timeoutMs: PROBE_MS }));
  const ask = async (batch: typeof targets): Promise<ProbeResult[]> => {
    const sentMs = performance.now() - createdAt;
    let results: ProbeResult[] = [];
    try {
      results = (await transport.probe(agent, batch, { concurrency: 1, signal })).results;
    } catch (error) {
      last = `the agent could not be asked: ${(error as Error).message}`;
    }
    if (results.length > 0) asked = true;
    const wrong = results.find((r) => !correct(r));
    if (wrong !== undefined) last = `${wrong.outcome}: ${wrong.detail}`;
    // Before the first right answer: the Service was not programmed yet when this request was sent.
    if (batch.length === 1 && results.length > 0 && wrong !== undefined) notBeforeMs = sentMs;
    return results;
  };
  const policy = { deadline: createdAt + bound, intervalMs: POLL_MS, signal };
  // poll returns as soon as an answer is accepted: the time then is when that answer came.
  const first = await poll(
    () => ask(targets.slice(0, 1)),
    (results) => results.some(correct),
    policy,
  );
  const firstMs = performance.now() - createdAt;
  const bounds = notBeforeMs === undefined ? {} : { notBeforeMs };
  if (!first.ok) return { node: agent.node, ...bounds, detail: `never answered: ${last}`, last, asked };
  const stable = await poll(
    () => ask(targets),
    (results) => results.length === 3 && results.every(correct),
    policy,
  );
  if (stable.ok) return { node: agent.node, ms: firstMs, stableMs: performance.now() - createdAt, asked, ...bounds };
  return { node: agent.node, ms: firstMs, ...bounds, detail: `answered, but not 3 in a row: ${last}`, last, asked };
}

export function programmingLine(timings: readonly Programming[]): string {
  return timings
    .map((t) =>
      t.ms === undefined
        ? `${t.node} not within the bound (${t.detail ?? ''})`
        : `${t.node} <= ${ms(t.ms)}${t.notBeforeMs === undefined ? ' (answered at the first poll)' : ` (still not at ${ms(t.notBeforeMs)})`}`,
    )
    .join(', ');
}

export async function serviceProgrammingCheck(c: CheckContext): Promise<void> {
  const s = await usableSpace(c);
  const { session, transport } = await c.cluster();
  const bound = boundMs(c);
  const backends = await readyNodePods(c, s);
  if (backends.length === 0) c.fail('missing', 'no pinned pod became ready: the Service would have no backend (see "a pod runs on every node")');
  const agents = everyNodeAgents(c.run.fleet);
  const name = 'programmed';
  const createdAt = performance.now();
  const created = c.track(
    await session.clients.core.createNamespacedService({
      namespace: s.name,
      body: service({ name, namespace: s.name, runId: c.run.runId, selector: { [ROLE]: 'node' } }),
    }),
  );
  const ip = created.spec?.clusterIP ?? '';
  const url = `http://${ip.includes(':') ? `[${ip}]` : ip}:80/`;
  c.log(`Service ${s.name}/${name} at ${ip} over ${backends.length} ready backend(s); polling from ${agents.length} agents`);
  const limit = pLimit(8);
  const timings = await Promise.all(agents.map((agent) => limit(() => programmedOn(transport, agent, url, createdAt, bound, c.signal))));
  const stable: NodeTiming[] = timings.map((t) => (t.stableMs === undefined ? { node: t.node, detail: t.detail ?? 'late' } : { node: t.node, ms: t.stableMs }));
  c.evidence('Service create to first correct answer, per node (between the last wrong poll and the first right one)', programmingLine(timings));
  c.evidence('Service create to 3 correct answers in a row, per node', timingLine(stable));
  c.property('control-plane.service-programming-ms', timings.map((t) => `${t.node}=${t.ms === undefined ? 'none' : Math.round(t.ms)}`).join(','));
  const late = lateNodes(stable, bound);
  const unasked = timings.filter((t) => !t.asked).map((t) => t.node);
  if (unasked.length > 0) {
    c.fail(
      'error',
      `the probe agent on ${unasked.join(', ')} could not be asked during the whole bound: nothing is known about kube-proxy there (${timings
        .filter((t) => !t.asked)
        .map((t) => `${t.node}: ${t.last ?? ''}`)
        .join('; ')})`,
      {
        likelyCause: `the API server cannot reach the probe pods on ${unasked.join(', ')} (pod proxy), or it is overloaded; the kubelet or the pod network of ${unasked.join(', ')} may be down`,
        origin: { dimension: 'source-node', value: unasked.join(', '), summary: `the agents on ${unasked.join(', ')} could not be asked`, confidence: 'low' },
      },
    );
  }
  if (late.length > 0) {
    const names = late.map((t) => t.node);
    c.fail(
      'timeout',
      `Service ${s.name}/${name} (${ip}:80) did not answer correctly from ${names.join(', ')} within ${Math.round(bound / 1000)} s (${late.map((t) => `${t.node}: ${t.detail}`).join('; ')})`,
      {
        likelyCause: `kube-proxy (or its replacement) on ${names.join(', ')} does not program new Services: stopped, or its watch of the API server is broken${names.length < agents.length ? '; the other nodes program it' : ''}`,
        origin: {
          dimension: 'source-node',
          value: names.join(', '),
          summary: `a new Service does not answer from pods on ${names.join(', ')}${names.length < agents.length ? ', it does from the other nodes' : ''}`,
          confidence: names.length < agents.length ? 'high' : 'medium',
        },
      },
    );
  }
  c.note(`programmed on ${agents.length} node(s): first answer ${programmingLine(timings)}; 3 in a row by ${ms(Math.max(...stable.map((t) => t.ms ?? 0)))}`);
}
