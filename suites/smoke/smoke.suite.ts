// Smoke: the shared probe fleet is reachable through the transport, every agent reaches every
// other over HTTP, TCP and UDP (pod to pod, same node and across nodes), and cluster DNS answers.
import type { ProbeTarget } from '../../agent/protocol.ts';
import { check, defineSuite } from '../../helpers/engine/check.ts';
import { EXPECT, classify } from '../../helpers/probe/expectations.ts';
import { mismatchLines, mismatches, renderDifference, renderExpected, renderObserved } from '../../helpers/probe/matrix.ts';
import { runMatrix, type MatrixProbe } from '../../helpers/probe/run-matrix.ts';

defineSuite('The probe fleet answers, reaches itself and resolves cluster names', () => {
  check('every agent answers', { description: 'each probe pod answers /v1/info with its own identity' }, async (c) => {
    const { transport } = await c.cluster();
    const wrong: string[] = [];
    await Promise.all(
      c.run.fleet.agents.map(async (agent) => {
        const info = await transport.info(agent);
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

  check('pod to pod over HTTP, TCP and UDP', { description: 'every agent reaches every agent pod IP on its HTTP, TCP and UDP echo ports' }, async (c) => {
    const { transport } = await c.cluster();
    const { agents } = c.run.fleet;
    const timeoutMs = c.run.timeouts.probeMs;
    const probes: MatrixProbe[] = [];
    for (const source of agents) {
      for (const target of agents) {
        const targets: [string, ProbeTarget][] = [
          ['http', { id: `${source.name}>${target.name}/http`, kind: 'http', url: `http://${target.podIP}:${target.ports.http[1]}/`, timeoutMs }],
          ['tcp', { id: `${source.name}>${target.name}/tcp`, kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'smoke', timeoutMs }],
          ['udp', { id: `${source.name}>${target.name}/udp`, kind: 'udp', host: target.podIP, port: target.ports.udp, payload: 'smoke', timeoutMs }],
        ];
        for (const [protocol, probe] of targets) probes.push({ source, row: source.name, column: `${target.name}/${protocol}`, target: probe, expected: EXPECT.allowed });
      }
    }
    const matrix = await runMatrix(transport, probes, { signal: c.signal });
    const wrong = mismatches(matrix.cells);
    if (matrix.flaky.length > 0) c.log(`flaky on the first attempt, fine on the retry: ${mismatchLines(matrix.flaky).join('; ')}`);
    if (wrong.length > 0) {
      c.fail(classify(wrong[0]?.observed), `${wrong.length} of ${matrix.cells.length} pod-to-pod probes failed, twice`, {
        evidence: [
          { label: 'expected', text: renderExpected(matrix.cells) },
          { label: 'observed', text: renderObserved(matrix.cells) },
          { label: 'difference (X = mismatch)', text: renderDifference(matrix.cells) },
          { label: 'mismatches', text: mismatchLines(matrix.cells).join('\n') },
        ],
        likelyCause: 'the pod network (CNI) does not connect these pods, or a NetworkPolicy outside this run selects them',
      });
    }
    c.note(`${matrix.cells.length} probes between ${agents.length} agents answered${matrix.flaky.length > 0 ? ` (${matrix.flaky.length} only on the retry)` : ''}`);
  });

  check('cluster DNS resolves the kubernetes Service', { description: 'each agent resolves kubernetes.default.svc through its resolv.conf nameserver, over UDP and TCP' }, async (c) => {
    const { transport, session } = await c.cluster();
    const service = await session.clients.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    const clusterIP = service.spec?.clusterIP ?? '';
    const problems: string[] = [];
    await Promise.all(
      c.run.fleet.agents.map(async (agent) => {
        const info = await transport.info(agent);
        const server = info.resolvConf.nameservers[0];
        const domain = info.resolvConf.search.find((entry) => entry.startsWith('svc.'))?.slice('svc.'.length) ?? 'cluster.local';
        if (server === undefined) {
          problems.push(`${agent.name}: no nameserver in /etc/resolv.conf (${info.resolvConf.error ?? 'empty'})`);
          return;
        }
        const name = `kubernetes.default.svc.${domain}`;
        const probes: ProbeTarget[] = (['udp', 'tcp'] as const).map((via) => ({ id: via, kind: 'dns', server, name, type: 'A', transport: via, timeoutMs: c.run.timeouts.probeMs }));
        const { results } = await transport.probe(agent, probes);
        for (const result of results) {
          const addresses = result.dns?.answers.filter((answer) => answer.type === 'A').map((answer) => answer.data) ?? [];
          c.log(`${agent.name} ${result.id} ${name} @${server}: ${result.outcome} ${addresses.join(',')}`);
          if (result.outcome !== 'ok' || !addresses.includes(clusterIP)) {
            problems.push(`${agent.name} over ${result.id}: ${name} @${server} expected A ${clusterIP}, saw ${result.outcome === 'ok' ? addresses.join(', ') || 'no A record' : `${result.outcome} (${result.detail})`}`);
          }
        }
      }),
    );
    if (problems.length > 0) {
      c.fail('dns-error', `cluster DNS failed for ${problems.length} probe(s)`, {
        evidence: [{ label: 'failures', text: problems.join('\n') }],
        likelyCause: 'CoreDNS is down or not reachable from pods (its Service, endpoints or a NetworkPolicy), or kubelet --cluster-dns points elsewhere',
      });
    }
    c.note(`kubernetes.default resolves to ${clusterIP} from ${c.run.fleet.agents.length} agents over UDP and TCP`);
  });
});
