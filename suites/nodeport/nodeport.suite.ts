// NodePort: every node address answers on the nodePort (from a probe pod on every sampled node, and
// from the runner itself), including nodes that run no endpoint; port, targetPort and nodePort all
// differ; externalTrafficPolicy Local keeps the client IP and stays silent where there is no local
// endpoint; a chosen nodePort is honoured; UDP works; the answering backend is the right one.
// The one backend is a pod of the suite's own (own-pods fixture, own namespace), never a fleet pod;
// the probes are cells of the reachability engine (nodeport.ts) and failures name their origin.
import type { V1Service } from '@kubernetes/client-node';
import { afterAll } from 'vitest';
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { PROBE_LABEL } from '../../helpers/fleet/manifests.ts';
import { matrixAgents } from '../../helpers/fleet/plan.ts';
import { defineFixtures } from '../../helpers/fixtures/fixture.ts';
import { ownPods } from '../../helpers/fixtures/own-pods.ts';
import type { ServiceSpec } from '../../helpers/objects/service.ts';
import { EXPECT, answeredBy, type Expectation } from '../../helpers/probe/expectations.ts';
import { RUNNER, failReach, reach, type Cell, type ReachRun } from '../../helpers/probe/reach.ts';
import { sourceAddressToward } from '../../helpers/probe/source-address.ts';
import { proxyEvidence } from '../lib/proxy.ts';
import { createService, waitEndpoints } from '../lib/services.ts';
import manifest from './manifest.ts';
import {
  freeNodePort,
  nodeAddresses,
  nodeCells,
  nodePortCause,
  nodePortConclusion,
  nodePortOf,
  nodePortSuspect,
  runnerDecision,
  type NodeAddress,
} from './nodeport.ts';

// port, targetPort and (allocated) nodePort all differ.
const HTTP_PORT = 8089;
const TARGET_PORT = 8081;

const fixtures = defineFixtures({
  // One backend on one node, so the other nodes have no local endpoint.
  backend: ownPods('file', { suffix: 'np', count: 1, maxNodes: 1, purpose: 'nodeport suite: the one backend of its NodePort Services' }),
});

interface Setting {
  backend: ProbeAgent;
  namespace: string;
  addresses: NodeAddress[];
}

async function setting(c: CheckContext, use: (name: 'backend') => Promise<{ namespace: string; agents: ProbeAgent[] }>): Promise<Setting> {
  const { session } = await c.cluster();
  const addresses = nodeAddresses((await session.clients.core.listNode()).items);
  if (addresses.length === 0) return c.skip('no node reports an InternalIP or ExternalIP address');
  const pods = await use('backend');
  const backend = pods.agents[0];
  if (backend === undefined) return c.skip("the suite's backend pod did not come up");
  return { backend, namespace: pods.namespace, addresses };
}

// A NodePort Service whose only endpoint is the backend.
async function nodePortService(
  c: CheckContext,
  s: Setting,
  name: string,
  extra: Partial<Omit<ServiceSpec, 'name' | 'namespace' | 'runId'>> = {},
): Promise<V1Service> {
  const service = await createService(
    c,
    {
      name,
      type: 'NodePort',
      selector: { ...c.run.fleet.selector, [PROBE_LABEL]: s.backend.name },
      ports: [{ name: 'http', port: HTTP_PORT, targetPort: TARGET_PORT, protocol: 'TCP' }],
      ...extra,
    },
    s.namespace,
  );
  await waitEndpoints(c, name, (endpoints) => endpoints.some((e) => e.ready && e.pod === s.backend.name), s.namespace);
  return service;
}

// Fails, naming the origin, when a cell mismatched; the evidence adds the Service and what programs
// Service traffic on the failing nodes.
async function judge(c: CheckContext, run: ReachRun, what: string): Promise<void> {
  const { session } = await c.cluster();
  await failReach(c, run, {
    what,
    origin: { conclude: nodePortConclusion, suspect: nodePortSuspect, priority: ['target-node', 'source-node', 'endpoint', 'address'] },
    likelyCause: (origin) => {
      const nodes = [...new Set(run.mismatches.map((cell) => cell.facets['target-node'] ?? ''))];
      const concluded = origin === undefined ? undefined : nodePortConclusion({ dimensions: origin.dimension.split(' & '), values: origin.value.split(', ') });
      return concluded ?? nodePortCause(run.mismatches[0]?.judgement.classification ?? 'error', nodes);
    },
    // The engine adds the tracked Service and the nodes the origin names; this adds what programs Service traffic there.
    evidence: async () => [await proxyEvidence(session.clients.core, [...new Set(run.mismatches.map((cell) => cell.facets['target-node'] ?? ''))])],
  });
}

const fromBackend = (s: Setting, port: number, clientIP?: string): Expectation =>
  answeredBy({ pod: s.backend.name, ...(s.backend.ports.udp === port ? {} : { port }), ...(clientIP === undefined ? {} : { clientIP }) });

defineSuite(manifest, () => {
  afterAll(() => fixtures.close());

  check(manifest.check.everyNodeFromEveryNode, (c) =>
    fixtures.within(c, async (use) => {
      const s = await setting(c, use);
      const service = await nodePortService(c, s, 'np-cluster');
      const nodePort = nodePortOf(service, 'http');
      if (nodePort === HTTP_PORT || nodePort === TARGET_PORT || nodePort === 0)
        c.fail('mismatch', `expected an allocated nodePort distinct from port ${HTTP_PORT} and targetPort ${TARGET_PORT}, got ${nodePort}`);
      const sources = matrixAgents(c.run.fleet);
      const cells = nodeCells({
        sources,
        addresses: s.addresses,
        nodePort,
        kind: 'http',
        timeoutMs: c.run.timeouts.probeMs,
        endpointNode: s.backend.node,
        expectOn: () => fromBackend(s, TARGET_PORT),
      });
      const run = await reach((await c.cluster()).transport, cells, { signal: c.signal, log: (line) => c.log(line) });
      await judge(c, run, 'node address probes');
      c.note(`nodePort ${nodePort} -> ${s.backend.name}:${TARGET_PORT} answered on ${s.addresses.length} node address(es) from ${sources.length} node(s)`);
    }),
  );

  check(manifest.check.fromRunner, (c) =>
    fixtures.within(c, async (use) => {
      const mode = suiteOptions(c.run, manifest).fromRunner;
      const off = runnerDecision(mode, []);
      if (mode === 'off' && !off.run) return c.skip(off.reason);
      const s = await setting(c, use);
      const service = await nodePortService(c, s, 'np-runner');
      const nodePort = nodePortOf(service, 'http');
      const cells = nodeCells({
        sources: [RUNNER],
        addresses: s.addresses,
        nodePort,
        kind: 'http',
        timeoutMs: c.run.timeouts.probeMs,
        endpointNode: s.backend.node,
        expectOn: () => fromBackend(s, TARGET_PORT),
      });
      const run = await reach((await c.cluster()).transport, cells, { signal: c.signal, log: (line) => c.log(line) });
      const decision = runnerDecision(
        mode,
        run.cells.map((cell) => cell.result),
      );
      if (!decision.run) return c.skip(decision.reason);
      await judge(c, run, 'calls from the runner');
      c.note(`${s.addresses.length} node address(es) answered from this machine on nodePort ${nodePort}`);
    }),
  );

  check(manifest.check.localTrafficPolicy, (c) =>
    fixtures.within(c, async (use) => {
      const mode = suiteOptions(c.run, manifest).fromRunner;
      if (mode === 'off') return c.skip('needs calls from the runner (external traffic), which are turned off (--node-port-from-runner off)');
      // Run inside the cluster (shakedown deploy), the runner is a pod: kube-proxy routes a pod's call
      // to a Local NodePort cluster-wide, so no call it makes is external traffic.
      if (c.run.kube.inCluster !== undefined)
        return c.skip(
          'the runner is a pod here (shakedown deploy): pod traffic is exempt from policy Local, so it cannot make the external traffic this needs; run shakedown from outside the cluster to judge it',
        );
      const s = await setting(c, use);
      const service = await nodePortService(c, s, 'np-local', { externalTrafficPolicy: 'Local' });
      const nodePort = nodePortOf(service, 'http');
      const clientIPs = new Map(await Promise.all(s.addresses.map(async (a) => [a.address, await sourceAddressToward(a.address)] as const)));
      const silent: Expectation = { ...EXPECT.blocked, name: 'no answer (no local endpoint)' };
      const cells: Cell[] = nodeCells({
        sources: [RUNNER],
        addresses: s.addresses,
        nodePort,
        kind: 'http',
        timeoutMs: c.run.timeouts.probeMs,
        endpointNode: s.backend.node,
        expectOn: (a) => (a.node === s.backend.node ? fromBackend(s, TARGET_PORT, clientIPs.get(a.address)) : silent),
      });
      const run = await reach((await c.cluster()).transport, cells, { signal: c.signal, log: (line) => c.log(line) });
      const decision = runnerDecision(
        mode,
        run.cells.map((cell) => cell.result),
      );
      if (!decision.run) return c.skip(`external traffic is needed to judge policy Local (pod traffic is exempt from it): ${decision.reason}`);
      await judge(c, run, 'Local-policy calls');
      const others = new Set(s.addresses.filter((a) => a.node !== s.backend.node).map((a) => a.node));
      c.note(
        `${s.backend.node} answered with the client IP preserved${others.size > 0 ? `; ${[...others].join(', ')} (no local endpoint) did not answer` : '; no node without an endpoint to test silence'}`,
      );
    }),
  );

  check(manifest.check.chosenNodePort, (c) =>
    fixtures.within(c, async (use) => {
      const s = await setting(c, use);
      const { session, transport } = await c.cluster();
      const used = new Set(
        (await session.clients.core.listServiceForAllNamespaces()).items.flatMap((svc) => (svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0)),
      );
      let chosen = 0;
      let service: V1Service | undefined;
      for (let attempt = 0; attempt < 5 && service === undefined; attempt++) {
        chosen = freeNodePort(used);
        try {
          service = await nodePortService(c, s, 'np-chosen', {
            ports: [{ name: 'http', port: HTTP_PORT, targetPort: TARGET_PORT, nodePort: chosen, protocol: 'TCP' }],
          });
        } catch (error) {
          // Allocated meanwhile by someone else: try another.
          if (!String((error as { body?: unknown }).body ?? error).includes('already allocated')) throw error;
          used.add(chosen);
        }
      }
      if (service === undefined) return c.fail('error', 'five chosen nodePorts were all allocated meanwhile');
      const got = nodePortOf(service, 'http');
      if (got !== chosen)
        return c.fail('mismatch', `expected the Service to keep nodePort ${chosen}, it has ${got}`, {
          likelyCause: 'an admission webhook or a mutating controller rewrites nodePorts',
        });
      const source = matrixAgents(c.run.fleet).find((agent) => agent.node !== s.backend.node) ?? matrixAgents(c.run.fleet)[0];
      if (source === undefined) return c.skip('the fleet has no agent');
      const cells = nodeCells({
        sources: [source],
        addresses: s.addresses,
        nodePort: chosen,
        kind: 'http',
        timeoutMs: c.run.timeouts.probeMs,
        endpointNode: s.backend.node,
        expectOn: () => fromBackend(s, TARGET_PORT),
      });
      const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line) });
      await judge(c, run, 'probes of the chosen nodePort');
      c.note(`nodePort ${chosen} kept and answered on ${s.addresses.length} node address(es)`);
    }),
  );

  check(manifest.check.udp, (c) =>
    fixtures.within(c, async (use) => {
      const s = await setting(c, use);
      const service = await nodePortService(c, s, 'np-udp', { ports: [{ name: 'udp', port: 9011, targetPort: 'udp-echo', protocol: 'UDP' }] });
      const nodePort = nodePortOf(service, 'udp');
      const sources = matrixAgents(c.run.fleet);
      const cells = nodeCells({
        sources,
        addresses: s.addresses,
        nodePort,
        kind: 'udp',
        timeoutMs: c.run.timeouts.probeMs,
        endpointNode: s.backend.node,
        expectOn: () => fromBackend(s, s.backend.ports.udp),
      });
      const run = await reach((await c.cluster()).transport, cells, { signal: c.signal, log: (line) => c.log(line) });
      await judge(c, run, 'UDP probes');
      c.note(`UDP nodePort ${nodePort} -> ${s.backend.name} answered on ${s.addresses.length} node address(es) from ${sources.length} node(s)`);
    }),
  );
});
