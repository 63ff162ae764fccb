// The probe fleet at 500 nodes, against the fake API server over real HTTP: the setup path of the
// engine (list nodes, plan, deploy the fleet and wait for it, choose the route to every agent) and
// the fan-out of one matrix check and one per-node check, with every API call counted. The bounds
// asserted here are the ones stated in plan.ts; the figures are printed for the record.
import type { V1Node } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type ProbeRequest, type ProbeTarget } from '../../agent/protocol.ts';
import { TOKEN_HEADER } from '../../agent/auth.ts';
import { MIN_AGENTS } from '../engine/setup.ts';
import { nodeFacts } from '../kube/nodes.ts';
import { openKubeSession, preflightApi, type KubeSession } from '../kube/session.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { createFakeCluster, type FakeCluster, type StoredObject } from '../kube/testing/fake-cluster.ts';
import { createPodProxyTransport } from '../transport/pod-proxy.ts';
import { selectRoutes } from '../transport/select.ts';
import type { ProbeTransport } from '../transport/transport.ts';
import { deployFleet, fleetApi } from './deploy.ts';
import type { FleetDescriptor, ProbeAgent } from './descriptor.ts';
import { MATRIX_CAP, everyNodeAgents, matrixAgents, planNodes } from './plan.ts';

const NODES = 500;
const ZONES = 10;
const POOLS = ['general', 'highmem', 'spot', 'arm'];
const NAMESPACE = 'sd-scale';
const RUN_ID = 'sd-scale';
const DEFAULT_QPS = 20;
// Ports a matrix check probes per pair (TCP and UDP echo), and targets per node in a per-node check.
const PAIR_PORTS = 2;
const PER_NODE_TARGETS = 2;

function fakeNodes(): V1Node[] {
  return Array.from({ length: NODES }, (_, i) => ({
    metadata: {
      name: `node-${String(i).padStart(3, '0')}`,
      labels: {
        'topology.kubernetes.io/zone': `zone-${i % ZONES}`,
        // Pools by provider label on some nodes, by instance type on others.
        ...(i % 2 === 0
          ? { 'cloud.google.com/gke-nodepool': POOLS[Math.floor(i / 2) % POOLS.length] ?? '' }
          : { 'node.kubernetes.io/instance-type': POOLS[Math.floor(i / 2) % POOLS.length] ?? '' }),
        ...(i < 3 ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    // Two of the three control-plane nodes are tainted, so not schedulable.
    spec: i < 2 ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.1.${Math.floor(i / 250)}.${i % 250}` }] },
  }));
}

// The kubelet and scheduler of the fake: a created pod is at once scheduled on its pinned node and Ready.
function schedule(pod: StoredObject): void {
  const spec = pod.spec as {
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { values?: string[] }[] }[] } } };
  };
  const node = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] ?? '';
  const index = Number(/(\d+)$/.exec(pod.metadata?.name ?? '')?.[1] ?? 0);
  pod.spec = { ...(pod.spec as object), nodeName: node };
  pod.status = {
    phase: 'Running',
    podIP: `10.244.${Math.floor(index / 250)}.${index % 250}`,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
  };
}

describe(`the probe fleet on ${NODES} nodes in ${ZONES} zones and ${POOLS.length} pools`, () => {
  let server: FakeApiServer;
  let cluster: FakeCluster;
  let session: KubeSession;
  let transport: ProbeTransport;
  let fleet: FleetDescriptor;
  let setupCalls: number;
  let setupMs: number;
  let token = '';
  const figures: string[] = [];

  beforeAll(async () => {
    cluster = createFakeCluster({
      onPodCreated: schedule,
      onProxy: (request) => {
        if (request.headers[TOKEN_HEADER] !== token) return { status: 401, body: 'unauthorized' };
        if (request.path === '/v1/info')
          return { status: 200, body: { apiVersion: API_VERSION, pod: request.pod, node: '', resolvConf: { nameservers: [], search: [], options: [] } } };
        const probe = JSON.parse(request.body) as ProbeRequest;
        return {
          status: 200,
          body: {
            apiVersion: API_VERSION,
            pod: request.pod,
            node: '',
            results: probe.targets.map((t) => ({ id: t.id, kind: t.kind, outcome: 'ok', ms: 1, detail: 'ok' })),
          },
        };
      },
    });
    for (const node of fakeNodes()) cluster.put('nodes', node as StoredObject);
    cluster.put('namespaces', { metadata: { name: NAMESPACE } });
    server = await startFakeApiServer({ handler: cluster.handler });
    // A high rate limit, so the test measures our own work; the time the same calls take at the
    // default rate limit is computed from their count.
    session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 5000 });
    transport = createPodProxyTransport(session.connection);

    const started = performance.now();
    const facts = (await preflightApi(session).listNodes()).map(nodeFacts);
    const schedulable = planNodes(facts.filter((node) => node.schedulable));
    token = 'scale-test-token';
    fleet = await deployFleet(fleetApi(session.clients.core), {
      namespace: NAMESPACE,
      runId: RUN_ID,
      nodes: schedulable,
      minAgents: MIN_AGENTS,
      image: { image: 'probe:test', pullPolicy: 'Never', why: 'test' },
      bundle: '// agent',
      token,
      timeoutMs: 30_000,
      pollMs: 50,
    });
    const selection = await selectRoutes({ choice: 'auto', agents: fleet.agents, proxy: transport, exec: transport, canExec: false });
    expect(selection.finding.status).toBe('pass');
    setupMs = performance.now() - started;
    setupCalls = cluster.totalCalls();
  }, 120_000);

  afterAll(async () => {
    // The figures, for the closing note of issue 8.
    process.stdout.write(`\n500-node fleet figures:\n${figures.map((line) => `  ${line}`).join('\n')}\n`);
    await session.close();
    await server.close();
  });

  it('creates one pod per schedulable node and no more, and a matrix sample covering every zone and pool', () => {
    const pods = cluster.calls.get('POST pods') ?? 0;
    const schedulable = NODES - 2;
    expect(pods).toBe(schedulable);
    expect(fleet.agents).toHaveLength(schedulable);
    const matrix = matrixAgents(fleet);
    expect(matrix.length).toBeLessThanOrEqual(MATRIX_CAP);
    expect(fleet.coverage?.zones).toHaveLength(ZONES);
    expect(fleet.coverage?.pools).toEqual([...POOLS].sort());
    expect(fleet.coverage?.uncovered).toEqual({ zones: [], pools: [] });
    expect(fleet.coverage?.notCovered).toEqual([]);
    const zoneOf = (agent: ProbeAgent) => `zone-${Number(agent.node.slice('node-'.length)) % ZONES}`;
    expect(new Set(matrix.map(zoneOf)).size).toBe(ZONES);
    // The tainted control-plane nodes have no agent; the schedulable one may.
    expect(fleet.agents.some((agent) => agent.node === 'node-000' || agent.node === 'node-001')).toBe(false);
    figures.push(`pods created: ${pods} (one per schedulable node; bound: nodes + ${MIN_AGENTS} extras, at most 1000)`);
    figures.push(`matrix sample: ${matrix.length} agents (bound ${MATRIX_CAP}) covering ${ZONES} zones and ${POOLS.length} pools`);
  });

  it('makes O(N) API calls to set up: one create and one route check per agent, plus a few', () => {
    const bound = 2 * NODES + 20;
    expect(setupCalls).toBeLessThanOrEqual(bound);
    expect(setupMs).toBeLessThan(30_000);
    const byVerb = [...cluster.calls].map(([call, n]) => `${call} ${n}`).join(', ');
    figures.push(`setup API calls: ${setupCalls} (bound 2N + 20 = ${bound}): ${byVerb}`);
    figures.push(
      `setup wall time here: ${Math.round(setupMs)} ms; the same calls at the default ${DEFAULT_QPS} qps: >= ${Math.round(setupCalls / DEFAULT_QPS)} s`,
    );
  });

  it('probes a matrix check over the sample only: one API call per source, sample² pairs', async () => {
    const matrix = matrixAgents(fleet);
    const before = cluster.totalCalls();
    const started = performance.now();
    const limit = pLimit(16);
    const counts = await Promise.all(
      matrix.map((source) =>
        limit(async () => {
          const targets: ProbeTarget[] = matrix.flatMap((to) => [
            { id: `${to.name} tcp`, kind: 'tcp' as const, host: to.podIP, port: to.ports.tcp, timeoutMs: 1000 },
            { id: `${to.name} udp`, kind: 'udp' as const, host: to.podIP, port: to.ports.udp, payload: 'x', timeoutMs: 1000 },
          ]);
          const response = await transport.probe(source, targets);
          return response.results.length;
        }),
      ),
    );
    const probes = counts.reduce((a, b) => a + b, 0);
    const calls = cluster.totalCalls() - before;
    const ms = performance.now() - started;
    expect(calls).toBe(matrix.length);
    expect(calls).toBeLessThanOrEqual(MATRIX_CAP);
    expect(probes).toBe(matrix.length * matrix.length * PAIR_PORTS);
    expect(probes).toBeLessThanOrEqual(MATRIX_CAP * MATRIX_CAP * PAIR_PORTS);
    figures.push(
      `matrix check: ${calls} API calls (bound ${MATRIX_CAP}), ${probes} probes (bound ${MATRIX_CAP}² x ${PAIR_PORTS} = ${MATRIX_CAP * MATRIX_CAP * PAIR_PORTS}; all-to-all would be ${NODES * NODES * PAIR_PORTS}), ${Math.round(ms)} ms`,
    );
  });

  it("probes a per-node check from each node's own agent only: N calls, N x k probes", async () => {
    const agents = everyNodeAgents(fleet);
    const before = cluster.totalCalls();
    const started = performance.now();
    const limit = pLimit(16);
    // E.g. a ClusterIP and the DNS Service, from every node.
    const counts = await Promise.all(
      agents.map((agent) =>
        limit(async () => {
          const targets: ProbeTarget[] = [
            { id: 'clusterip', kind: 'tcp', host: '10.96.0.10', port: 9000, timeoutMs: 1000 },
            { id: 'dns', kind: 'udp', host: '10.96.0.10', port: 53, payload: 'x', timeoutMs: 1000 },
          ];
          return (await transport.probe(agent, targets)).results.length;
        }),
      ),
    );
    const probes = counts.reduce((a, b) => a + b, 0);
    const calls = cluster.totalCalls() - before;
    const ms = performance.now() - started;
    expect(calls).toBe(agents.length);
    expect(calls).toBeLessThanOrEqual(NODES);
    expect(probes).toBe(agents.length * PER_NODE_TARGETS);
    expect(ms).toBeLessThan(30_000);
    figures.push(
      `per-node check: ${calls} API calls (bound N = ${NODES}), ${probes} probes (bound N x ${PER_NODE_TARGETS}), ${Math.round(ms)} ms here, >= ${Math.round(calls / DEFAULT_QPS)} s at ${DEFAULT_QPS} qps`,
    );
  });
});
