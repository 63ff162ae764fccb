// Smoke: the shared probe fleet is reachable through the transport, the agents of the fleet's
// sample (every zone and node pool) reach each other over HTTP, TCP and UDP (pod to pod, same node
// and across nodes), and cluster DNS answers.
// The probes are cells of the one reachability engine (smoke.ts); failures name their origin.
import { check, defineSuite } from '../../helpers/engine/check.ts';
import manifest from './manifest.ts';
import { matrixAgents } from '../../helpers/fleet/plan.ts';
import { failReach, reach } from '../../helpers/probe/reach.ts';
import { dnsCells, podToPodCells } from './smoke.ts';
import { resolvConfOf } from '../../helpers/fixtures/fleet.ts';

defineSuite(manifest, () => {
  check(manifest.check.agentsAnswer, async (c) => {
    const { transport } = await c.cluster();
    const wrong: string[] = [];
    await Promise.all(
      c.run.fleet.agents.map(async (agent) => {
        const info = await transport.info(agent, { signal: c.signal });
        c.log(`${agent.name}: ${info.pod} on ${info.node} at ${info.podIP}`);
        if (info.pod !== agent.name || info.podIP !== agent.podIP || info.node !== agent.node) {
          wrong.push(`${agent.name}: expected ${agent.name}@${agent.node} ${agent.podIP}, answered ${info.pod}@${info.node} ${info.podIP}`);
        }
      }),
    );
    if (wrong.length > 0) {
      c.fail('wrong-backend', `${wrong.length} agent(s) answered with another identity`, {
        evidence: [{ label: 'identities', text: wrong.join('\n') }],
        likelyCause: 'the downward API did not fill POD_NAME, NODE_NAME or POD_IP',
      });
    }
    c.note(`${c.run.fleet.agents.length} agents answered`);
  });

  check(manifest.check.podToPod, async (c) => {
    const { transport } = await c.cluster();
    const agents = matrixAgents(c.run.fleet);
    const cells = podToPodCells(agents, c.run.timeouts.probeMs);
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    await failReach(c, run, {
      what: 'pod-to-pod probes',
      likelyCause: (origin) =>
        origin?.dimension === 'source-node' || origin?.dimension === 'target-node'
          ? `the pod network on ${origin.value} (its CNI agent, routes or host firewall) does not carry this traffic`
          : origin?.dimension === 'protocol'
            ? `${origin.value} between pods is dropped: a host firewall or the CNI filters it`
            : 'the pod network (CNI) does not connect these pods, or a NetworkPolicy outside this run selects them',
    });
    c.note(`${cells.length} probes between ${agents.length} agents answered${run.flaky.length > 0 ? ` (${run.flaky.length} only on the re-probe)` : ''}`);
  });

  check(manifest.check.clusterDns, async (c) => {
    const { transport, session } = await c.cluster();
    const service = await session.clients.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    const clusterIP = service.spec?.clusterIP ?? '';
    const agents = await Promise.all(c.run.fleet.agents.map(async (agent) => ({ agent, resolv: await resolvConfOf(agent, transport, c.signal) })));
    const without = agents.filter(({ resolv }) => resolv.nameservers.length === 0);
    if (without.length > 0) {
      c.fail('dns-error', `${without.length} agent(s) have no nameserver in /etc/resolv.conf`, {
        evidence: [
          { label: 'resolv.conf', text: without.map(({ agent, resolv }) => `${agent.name}@${agent.node}: ${resolv.error ?? 'no nameserver line'}`).join('\n') },
        ],
        likelyCause: 'the kubelet writes no cluster DNS into pods (--cluster-dns / clusterDNS unset)',
      });
    }
    const cells = dnsCells(agents, clusterIP, c.run.timeouts.probeMs);
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    await failReach(c, run, {
      what: 'DNS lookups',
      origin: { noun: { one: 'lookup', many: 'lookups' } },
      likelyCause: (origin) =>
        origin?.dimension === 'source-node'
          ? `pods on ${origin.value} cannot reach the cluster DNS Service: kube-proxy (or its replacement) or the pod network on ${origin.value}`
          : origin?.dimension === 'protocol'
            ? `DNS over ${origin.value} fails: a firewall or the DNS Service's ${origin.value} port`
            : 'CoreDNS is down or not reachable from pods (its Service, endpoints or a NetworkPolicy), or kubelet --cluster-dns points elsewhere',
    });
    c.note(`kubernetes.default resolves to ${clusterIP} from ${agents.length} agents over UDP and TCP`);
  });
});
