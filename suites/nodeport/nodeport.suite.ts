// NodePort: every node address answers on the nodePort (from a probe pod on every node, and from the
// runner itself), including nodes that run no endpoint; port, targetPort and nodePort all differ;
// externalTrafficPolicy Local keeps the client IP and stays silent where there is no local
// endpoint; a chosen nodePort is honoured; UDP works; the answering backend is the right one.
// Failures name the nodes, what they returned, and the likely cause.
import type { V1Service } from '@kubernetes/client-node';
import type { HttpTarget, ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import manifest from './manifest.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { PROBE_LABEL } from '../../helpers/fleet/manifests.ts';
import { probeHttpFromRunner } from '../../helpers/probe/runner-http.ts';
import { sourceAddressToward } from '../../helpers/probe/source-address.ts';
import { eventually } from '../../helpers/objects/eventually.ts';
import type { ServiceSpec } from '../../helpers/objects/service.ts';
import {
  addressLabel,
  freeNodePort,
  hostPort,
  judgeNode,
  nodeAddresses,
  nodePortCause,
  nodePortOf,
  proxyEvidence,
  runnerDecision,
  type NodeAddress,
  type NodeExpectation,
  type NodeVerdict,
} from './nodeport.ts';
import { PROGRAMMING_BUDGET_MS, createService, failWithService, probeUntil, waitEndpoints } from '../lib/services.ts';

// port, targetPort and (allocated) nodePort all differ.
const HTTP_PORT = 8089;
const TARGET_PORT = 8081;

interface Setting {
  backend: ProbeAgent;
  addresses: NodeAddress[];
}

async function setting(c: CheckContext): Promise<Setting> {
  const backend = c.run.fleet.agents.find((agent) => agent.group === 'node');
  if (backend === undefined) return c.skip('the fleet has no probe pod pinned to a node');
  const { session } = await c.cluster();
  const addresses = nodeAddresses((await session.clients.core.listNode()).items);
  if (addresses.length === 0) return c.skip('no node reports an InternalIP or ExternalIP address');
  return { backend, addresses };
}

// A NodePort Service whose only endpoint is `backend`, so the other nodes have no local endpoint.
async function nodePortService(c: CheckContext, name: string, backend: ProbeAgent, extra: Partial<Omit<ServiceSpec, 'name' | 'namespace' | 'runId'>> = {}): Promise<V1Service> {
  const service = await createService(c, {
    name,
    type: 'NodePort',
    selector: { ...c.run.fleet.selector, [PROBE_LABEL]: backend.name },
    ports: [{ name: 'http', port: HTTP_PORT, targetPort: TARGET_PORT, protocol: 'TCP' }],
    ...extra,
  });
  await waitEndpoints(c, name, (endpoints) => endpoints.some((e) => e.ready && e.pod === backend.name));
  return service;
}

function httpTo(address: NodeAddress, port: number, timeoutMs: number): HttpTarget {
  return { id: addressLabel(address), kind: 'http', url: `http://${hostPort(address.address, port)}/`, timeoutMs };
}

// Fails naming the nodes whose verdicts failed, classified by the first failure.
async function failNodes(c: CheckContext, service: string, verdicts: readonly (NodeVerdict & { node: string })[], what: string, reproduce: string): Promise<void> {
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length === 0) return;
  const nodes = [...new Set(bad.map((v) => v.node))];
  const classification = bad[0]?.classification ?? 'error';
  const { session } = await c.cluster();
  await failWithService(c, classification, `${bad.length} of ${verdicts.length} ${what} failed on ${nodes.join(', ')}: ${bad[0]?.line ?? ''}`, service, {
    extra: [{ label: 'per node address (expected, seen)', text: verdicts.map((v) => `${v.ok ? 'ok  ' : 'FAIL'} ${v.line}`).join('\n') }, await proxyEvidence(session.clients.core, nodes)],
    likelyCause: nodePortCause(classification, nodes),
    reproduce,
  });
}

// Probes from the runner until every address is as expected or the budget is spent; the last round
// uses the full probe timeout.
async function probeFromRunner(c: CheckContext, targets: HttpTarget[], accept: (results: ProbeResult[]) => boolean): Promise<ProbeResult[]> {
  const send = (timeoutMs: number) => Promise.all(targets.map((t) => probeHttpFromRunner({ ...t, timeoutMs: Math.min(t.timeoutMs, timeoutMs) }, c.signal)));
  const polled = await eventually(() => send(600), accept, { timeoutMs: PROGRAMMING_BUDGET_MS, intervalMs: 300, signal: c.signal });
  c.log(`runner: ${polled.ok ? 'as expected' : 'not as expected'} after ${Math.round(polled.elapsedMs)}ms, ${polled.attempts} attempt(s)`);
  return polled.ok ? polled.value : send(c.run.timeouts.probeMs);
}

defineSuite(manifest, () => {
  check('every node answers on the nodePort, from every node', { description: 'port 8089 -> targetPort 8081 -> an allocated nodePort; every node address answers from a probe pod on every node, also nodes without an endpoint' }, async (c) => {
    const { backend, addresses } = await setting(c);
    const name = 'np-cluster';
    const service = await nodePortService(c, name, backend);
    const nodePort = nodePortOf(service, 'http');
    if (nodePort === HTTP_PORT || nodePort === TARGET_PORT || nodePort === 0) c.fail('mismatch', `expected an allocated nodePort distinct from port ${HTTP_PORT} and targetPort ${TARGET_PORT}, got ${nodePort}`);
    const expected: NodeExpectation = { answer: true, pods: [backend.name], port: TARGET_PORT };
    const sources = c.run.fleet.agents.filter((agent) => agent.group === 'node');
    const verdicts = (
      await Promise.all(
        sources.map(async (source) => {
          const targets = addresses.map((address) => httpTo(address, nodePort, c.run.timeouts.probeMs));
          const probed = await probeUntil(c, source, targets, (results) => results.every((r) => judgeNode('', expected, r).ok));
          return probed.value.map((result, i) => {
            const address = addresses[i] as NodeAddress;
            const local = address.node === backend.node ? 'has the endpoint' : 'no local endpoint';
            return { node: address.node, ...judgeNode(`${source.node} -> ${address.node} ${hostPort(address.address, nodePort)} (${local})`, expected, result) };
          });
        }),
      )
    ).flat();
    await failNodes(c, name, verdicts, 'node address probes', `kubectl -n ${c.run.namespace} exec ${sources[0]?.name ?? 'POD'} -- wget -qO- http://NODE_IP:${nodePort}/`);
    c.note(`nodePort ${nodePort} -> ${backend.name}:${TARGET_PORT} answered on ${addresses.length} node address(es) from ${sources.length} node(s)`);
  });

  check('the runner reaches every node on the nodePort', { description: 'this machine calls every node address on the nodePort with undici; skipped when it reaches no node address at all (or --node-port-from-runner off)' }, async (c) => {
    const mode = suiteOptions(c.run, manifest).fromRunner;
    const off = runnerDecision(mode, []);
    if (mode === 'off' && !off.run) return c.skip(off.reason);
    const { backend, addresses } = await setting(c);
    const name = 'np-runner';
    const service = await nodePortService(c, name, backend);
    const nodePort = nodePortOf(service, 'http');
    const expected: NodeExpectation = { answer: true, pods: [backend.name], port: TARGET_PORT };
    const results = await probeFromRunner(c, addresses.map((a) => httpTo(a, nodePort, c.run.timeouts.probeMs)), (rs) => rs.every((r) => judgeNode('', expected, r).ok));
    const decision = runnerDecision(mode, results);
    if (!decision.run) return c.skip(decision.reason);
    const verdicts = results.map((result, i) => {
      const address = addresses[i] as NodeAddress;
      return { node: address.node, ...judgeNode(`runner -> ${address.node} ${hostPort(address.address, nodePort)}`, expected, result) };
    });
    await failNodes(c, name, verdicts, 'calls from the runner', `curl -m 5 http://NODE_IP:${nodePort}/`);
    c.note(`${addresses.length} node address(es) answered from this machine on nodePort ${nodePort}`);
  });

  check('externalTrafficPolicy Local keeps the client IP, only where an endpoint runs', { description: 'from the runner: the node with the endpoint answers and sees the runner\'s own address; nodes without one do not answer' }, async (c) => {
    const mode = suiteOptions(c.run, manifest).fromRunner;
    if (mode === 'off') return c.skip('needs calls from the runner (external traffic), which are turned off (--node-port-from-runner off)');
    const { backend, addresses } = await setting(c);
    const name = 'np-local';
    const service = await nodePortService(c, name, backend, { externalTrafficPolicy: 'Local' });
    const nodePort = nodePortOf(service, 'http');
    const expectations = await Promise.all(
      addresses.map(async (address): Promise<NodeExpectation> => {
        if (address.node !== backend.node) return { answer: false };
        const clientIP = await sourceAddressToward(address.address);
        return { answer: true, pods: [backend.name], port: TARGET_PORT, ...(clientIP === undefined ? {} : { clientIP }) };
      }),
    );
    const judge = (results: ProbeResult[]) =>
      results.map((result, i) => {
        const address = addresses[i] as NodeAddress;
        const role = address.node === backend.node ? 'has the endpoint' : 'no local endpoint';
        return { node: address.node, ...judgeNode(`runner -> ${address.node} ${hostPort(address.address, nodePort)} (${role})`, expectations[i] ?? { answer: false }, result) };
      });
    const results = await probeFromRunner(c, addresses.map((a) => httpTo(a, nodePort, c.run.timeouts.probeMs)), (rs) => judge(rs).every((v) => v.ok));
    const decision = runnerDecision(mode, results);
    if (!decision.run) return c.skip(`external traffic is needed to judge policy Local (pod traffic is exempt from it): ${decision.reason}`);
    const verdicts = judge(results);
    await failNodes(c, name, verdicts, 'Local-policy calls', `curl -m 5 http://NODE_IP:${nodePort}/  # the node with ${backend.name} answers with your IP; the others stay silent`);
    const silent = new Set(addresses.filter((a) => a.node !== backend.node).map((a) => a.node));
    c.note(`${backend.node} answered with the client IP preserved${silent.size > 0 ? `; ${[...silent].join(', ')} (no local endpoint) did not answer` : '; no node without an endpoint to test silence'}`);
  });

  check('a chosen nodePort is honoured', { description: 'a Service asking for a specific free nodePort gets it, and every node answers on it' }, async (c) => {
    const { backend, addresses } = await setting(c);
    const { session } = await c.cluster();
    const name = 'np-chosen';
    const used = new Set((await session.clients.core.listServiceForAllNamespaces()).items.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort ?? 0)));
    let chosen = 0;
    let service: V1Service | undefined;
    for (let attempt = 0; attempt < 5 && service === undefined; attempt++) {
      chosen = freeNodePort(used);
      try {
        service = await nodePortService(c, name, backend, { ports: [{ name: 'http', port: HTTP_PORT, targetPort: TARGET_PORT, nodePort: chosen, protocol: 'TCP' }] });
      } catch (error) {
        // Allocated meanwhile by someone else: try another.
        if (!String((error as { body?: unknown }).body ?? error).includes('already allocated')) throw error;
        used.add(chosen);
      }
    }
    if (service === undefined) return c.fail('error', 'five chosen nodePorts were all allocated meanwhile');
    const got = nodePortOf(service, 'http');
    if (got !== chosen) return c.fail('mismatch', `expected the Service to keep nodePort ${chosen}, it has ${got}`, { likelyCause: 'an admission webhook or a mutating controller rewrites nodePorts' });
    const source = c.run.fleet.agents.find((agent) => agent.group === 'node' && agent.node !== backend.node) ?? backend;
    const expected: NodeExpectation = { answer: true, pods: [backend.name], port: TARGET_PORT };
    const probed = await probeUntil(c, source, addresses.map((a) => httpTo(a, chosen, c.run.timeouts.probeMs)), (results) => results.every((r) => judgeNode('', expected, r).ok));
    const verdicts = probed.value.map((result, i) => {
      const address = addresses[i] as NodeAddress;
      return { node: address.node, ...judgeNode(`${source.node} -> ${address.node} ${hostPort(address.address, chosen)}`, expected, result) };
    });
    await failNodes(c, name, verdicts, 'probes of the chosen nodePort', `kubectl -n ${c.run.namespace} exec ${source.name} -- wget -qO- http://NODE_IP:${chosen}/`);
    c.note(`nodePort ${chosen} kept and answered on ${addresses.length} node address(es)`);
  });

  check('a UDP NodePort works on every node', { description: 'a UDP nodePort reaches the UDP echo of the one backend, through every node address, from every node' }, async (c) => {
    const { backend, addresses } = await setting(c);
    const name = 'np-udp';
    const service = await nodePortService(c, name, backend, { ports: [{ name: 'udp', port: 9011, targetPort: 'udp-echo', protocol: 'UDP' }] });
    const nodePort = nodePortOf(service, 'udp');
    const expected: NodeExpectation = { answer: true, pods: [backend.name], port: backend.ports.udp };
    const sources = c.run.fleet.agents.filter((agent) => agent.group === 'node');
    const verdicts = (
      await Promise.all(
        sources.map(async (source) => {
          const targets: ProbeTarget[] = addresses.map((a) => ({ id: addressLabel(a), kind: 'udp', host: a.address, port: nodePort, payload: 'nodeport', timeoutMs: c.run.timeouts.probeMs }));
          const probed = await probeUntil(c, source, targets, (results) => results.every((r) => judgeNode('', expected, r).ok));
          return probed.value.map((result, i) => {
            const address = addresses[i] as NodeAddress;
            return { node: address.node, ...judgeNode(`${source.node} -> ${address.node} ${hostPort(address.address, nodePort)}/udp`, expected, result) };
          });
        }),
      )
    ).flat();
    await failNodes(c, name, verdicts, 'UDP probes', `kubectl -n ${c.run.namespace} exec ${sources[0]?.name ?? 'POD'} -- sh -c 'echo hi | nc -u -w2 NODE_IP ${nodePort}'`);
    c.note(`UDP nodePort ${nodePort} -> ${backend.name} answered on ${addresses.length} node address(es) from ${sources.length} node(s)`);
  });
});
