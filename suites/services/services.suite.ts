// Service routing: ClusterIP port mapping (port != targetPort, named targetPort, multi-port),
// load spread, session affinity, headless DNS, EndpointSlices, readiness, no-endpoint refusal,
// hairpin and cross-node paths. Backends are the shared probe fleet; every Service lives in the
// run namespace. Every failure says what was expected, what was seen, the Service's endpoints
// and events, and the likely cause.
import type { ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import { check, defineSuite, group } from '../../helpers/engine/check.ts';
import { PROBE_LABEL, NODE_LABEL } from '../../helpers/fleet/manifests.ts';
import { EXPECT, classify, describeResult, meets } from '../../helpers/probe/expectations.ts';
import { answeredBy, clusterIP, createService, failWithService, httpTarget, probeUntil, waitEndpoints } from '../lib/services.ts';

const KUBE_PROXY_CAUSE = 'kube-proxy (or the CNI replacing it) did not program this Service on the node: check its logs and that it runs on every node';

defineSuite('Service routing: ports, load spread, affinity, headless, endpoints, readiness, hairpin', () => {
  check('port != targetPort, and a named targetPort', { description: 'ClusterIP 8089 reaches container port 8080, and 8090 -> targetPort "http-1" reaches 8081, from every agent' }, async (c) => {
    const name = 'port-map';
    const service = await createService(c, {
      name,
      selector: c.run.fleet.selector,
      ports: [
        { name: 'web', port: 8089, targetPort: 8080 },
        { name: 'named', port: 8090, targetPort: 'http-1' },
      ],
    });
    await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    const wanted: [number, number][] = [
      [8089, 8080],
      [8090, 8081],
    ];
    const problems: string[] = [];
    await Promise.all(
      c.run.fleet.agents.map(async (source) => {
        const targets = wanted.map(([port]) => httpTarget(`:${port}`, clusterIP(service), port, c.run.timeouts.probeMs));
        const probed = await probeUntil(c, source, targets, (results) => results.every((r, i) => r.outcome === 'ok' && r.http?.echo?.port === wanted[i]?.[1]));
        probed.value.forEach((result, i) => {
          const [port, targetPort] = wanted[i] ?? [0, 0];
          if (result.outcome !== 'ok') problems.push(`${source.name} -> ${clusterIP(service)}:${port}: expected an answer from container port ${targetPort}, saw ${describeResult(result)}`);
          else if (result.http?.echo?.port !== targetPort) problems.push(`${source.name} -> ${clusterIP(service)}:${port}: expected container port ${targetPort}, answered by port ${result.http?.echo?.port}`);
        });
      }),
    );
    if (problems.length > 0) {
      const wrongPort = problems.some((p) => p.includes('answered by port'));
      await failWithService(c, wrongPort ? 'wrong-backend' : 'refused', `${problems.length} port-mapped probe(s) failed: ${problems[0]}`, name, {
        extra: [{ label: 'failed probes', text: problems.join('\n') }],
        likelyCause: wrongPort ? 'the Service proxy sends to the Service port instead of the targetPort, or resolves the named port wrongly' : KUBE_PROXY_CAUSE,
      });
    }
    c.note(`8089 -> 8080 and 8090 -> http-1 (8081) from ${c.run.fleet.agents.length} agents`);
  });

  check('multi-port: each port reaches its container port', { description: 'one Service with HTTP 80 -> 8080, 81 -> 8082, TCP 9000 and UDP 9001 by name; each port lands on the right container port' }, async (c) => {
    const name = 'multi-port';
    const service = await createService(c, {
      name,
      selector: c.run.fleet.selector,
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'alt', port: 81, targetPort: 8082 },
        { name: 'tcp', port: 9000, targetPort: 'tcp-echo', protocol: 'TCP' },
        { name: 'udp', port: 9001, targetPort: 'udp-echo', protocol: 'UDP' },
      ],
    });
    await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    const ip = clusterIP(service);
    const timeoutMs = c.run.timeouts.probeMs;
    const targets: ProbeTarget[] = [
      httpTarget('http 80 -> 8080', ip, 80, timeoutMs),
      httpTarget('alt 81 -> 8082', ip, 81, timeoutMs),
      { id: 'tcp 9000 -> tcp-echo', kind: 'tcp', host: ip, port: 9000, payload: 'multi', timeoutMs },
      { id: 'udp 9001 -> udp-echo', kind: 'udp', host: ip, port: 9001, payload: 'multi', timeoutMs },
    ];
    const expectedHttpPort = [8080, 8082];
    const source = c.run.fleet.agents[0];
    if (source === undefined) return c.skip('the fleet has no agent');
    const judge = (result: ProbeResult, i: number) => result.outcome === 'ok' && (i >= 2 || result.http?.echo?.port === expectedHttpPort[i]);
    const probed = await probeUntil(c, source, targets, (results) => results.every(judge));
    const wrong = probed.value.map((result, i) => ({ result, i })).filter(({ result, i }) => !judge(result, i));
    if (wrong.length > 0) {
      const lines = wrong.map(({ result, i }) =>
        result.outcome === 'ok' ? `${result.id}: expected container port ${expectedHttpPort[i]}, answered by port ${result.http?.echo?.port}` : `${result.id}: expected an answer, saw ${describeResult(result)}`,
      );
      await failWithService(c, wrong[0]?.result.outcome === 'ok' ? 'wrong-backend' : classify(wrong[0]?.result), `${wrong.length} of 4 ports failed: ${lines[0]}`, name, {
        extra: [{ label: 'ports', text: lines.join('\n') }],
        likelyCause: wrong.some(({ i }) => i === 3) && wrong.length === 1 ? 'UDP Service traffic is not forwarded (conntrack or the proxy mode lacks UDP)' : KUBE_PROXY_CAUSE,
      });
    }
    c.note('HTTP 80 -> 8080, 81 -> 8082, TCP 9000 and UDP 9001 all reached their ports');
  });

  check('load spreads over every endpoint', { description: 'many fresh connections to one ClusterIP reach every ready endpoint, and no endpoint gets less than a third of its fair share' }, async (c) => {
    const name = 'spread';
    const agents = c.run.fleet.agents;
    if (agents.length < 3) return c.skip(`the fleet has ${agents.length} agents; judging spread needs 3`);
    const service = await createService(c, { name, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === agents.length);
    const source = agents[0];
    if (source === undefined) return c.skip('the fleet has no agent');
    await probeUntil(c, source, [httpTarget('warm-up', clusterIP(service), 80, c.run.timeouts.probeMs)], (results) => results[0]?.outcome === 'ok');
    const total = 30 * agents.length;
    const targets = Array.from({ length: total }, (_, i) => httpTarget(`#${i}`, clusterIP(service), 80, c.run.timeouts.probeMs));
    const { transport } = await c.cluster();
    const { results } = await transport.probe(source, targets, { concurrency: 16, signal: c.signal });
    const counts = new Map(agents.map((agent) => [agent.name, 0]));
    let failed = 0;
    for (const result of results) {
      const pod = answeredBy(result);
      if (result.outcome !== 'ok' || pod === undefined) failed++;
      else counts.set(pod, (counts.get(pod) ?? 0) + 1);
    }
    const distribution = [...counts].map(([pod, n]) => `${pod} ${n}`).join(', ');
    c.evidence('distribution', `${distribution}${failed > 0 ? `, failed ${failed}` : ''} (of ${total})`);
    const fair = total / agents.length;
    const starved = [...counts].filter(([, n]) => n < fair / 3);
    if (failed > 0) {
      await failWithService(c, 'error', `${failed} of ${total} requests to the Service failed`, name, { likelyCause: KUBE_PROXY_CAUSE, extra: [{ label: 'distribution', text: distribution }] });
    }
    if (starved.length > 0) {
      await failWithService(c, 'mismatch', `expected every endpoint to get at least ${Math.ceil(fair / 3)} of ${total} requests, saw ${distribution}`, name, {
        likelyCause: starved.some(([, n]) => n === 0) ? 'an endpoint is missing from the proxy rules of this node although EndpointSlices list it ready' : 'the proxy balances unevenly (weights, or a stale rule set)',
      });
    }
    c.note(`spread over ${agents.length} endpoints: ${distribution}`);
  });

  check('session affinity ClientIP sticks', { description: 'with sessionAffinity: ClientIP, every request of a client reaches the same endpoint' }, async (c) => {
    const name = 'affinity';
    const service = await createService(c, { name, selector: c.run.fleet.selector, sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    const { transport } = await c.cluster();
    const problems: string[] = [];
    const stuck: string[] = [];
    await Promise.all(
      c.run.fleet.agents.map(async (source) => {
        await probeUntil(c, source, [httpTarget('warm-up', clusterIP(service), 80, c.run.timeouts.probeMs)], (results) => results[0]?.outcome === 'ok');
        const targets = Array.from({ length: 12 }, (_, i) => httpTarget(`#${i}`, clusterIP(service), 80, c.run.timeouts.probeMs));
        const { results } = await transport.probe(source, targets, { concurrency: 1, signal: c.signal });
        const pods = new Set(results.map((result) => answeredBy(result) ?? `(${result.outcome})`));
        if (pods.size !== 1) problems.push(`${source.name}: expected one endpoint for all 12 requests, saw ${[...pods].join(', ')}`);
        else stuck.push(`${source.name} -> ${[...pods][0]}`);
      }),
    );
    if (problems.length > 0) {
      await failWithService(c, 'mismatch', `session affinity broke for ${problems.length} client(s): ${problems[0]}`, name, {
        extra: [{ label: 'clients', text: problems.join('\n') }],
        likelyCause: 'the Service proxy ignores sessionAffinity: ClientIP (some eBPF or IPVS setups need it enabled), or the client IP is masqueraded differently per connection',
      });
    }
    c.note(`each client stuck to one endpoint: ${stuck.join(', ')}`);
  });

  check('headless Service resolves to the ready pod IPs', { description: 'DNS A records of a headless Service are exactly the IPs of its ready pods' }, async (c) => {
    const name = 'headless';
    await createService(c, { name, headless: true, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    const { transport } = await c.cluster();
    const source = c.run.fleet.agents[0];
    if (source === undefined) return c.skip('the fleet has no agent');
    const info = await transport.info(source);
    const server = info.resolvConf.nameservers[0];
    if (server === undefined) return c.fail('dns-error', `${source.name} has no nameserver in /etc/resolv.conf`);
    const domain = info.resolvConf.search.find((entry) => entry.startsWith('svc.'))?.slice('svc.'.length) ?? 'cluster.local';
    const fqdn = `${name}.${c.run.namespace}.svc.${domain}`;
    const expected = c.run.fleet.agents.map((agent) => agent.podIP).sort();
    const addresses = (results: ProbeResult[]) => (results[0]?.dns?.answers ?? []).filter((a) => a.type === 'A').map((a) => a.data).sort();
    const probed = await probeUntil(c, source, [{ id: 'A', kind: 'dns', server, name: fqdn, type: 'A', transport: 'udp', timeoutMs: c.run.timeouts.probeMs }], (results) => JSON.stringify(addresses(results)) === JSON.stringify(expected));
    if (!probed.ok) {
      const seen = probed.value[0]?.outcome === 'ok' ? addresses(probed.value).join(', ') || 'no A records' : describeResult(probed.value[0]);
      await failWithService(c, probed.value[0]?.outcome === 'ok' ? 'mismatch' : classify(probed.value[0]), `${fqdn} @${server}: expected A ${expected.join(', ')}, saw ${seen}`, name, {
        likelyCause: 'the cluster DNS does not serve headless records from EndpointSlices (CoreDNS kubernetes plugin misconfigured or lacking RBAC on endpointslices)',
      });
    }
    c.note(`${fqdn} -> ${expected.join(', ')} after ${Math.round(probed.elapsedMs)}ms`);
  });

  check('EndpointSlices list exactly the ready pods', { description: 'the EndpointSlices of a Service name each selected pod once, with its IP, its node, and ready' }, async (c) => {
    const name = 'slices';
    await createService(c, { name, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const expected = new Map(c.run.fleet.agents.map((agent) => [agent.podIP, agent]));
    const waited = await waitEndpoints(c, name, (endpoints) => endpoints.length === expected.size && endpoints.every((e) => e.ready && expected.get(e.address)?.name === e.pod));
    if (!waited.ok) {
      const seen = waited.value;
      const missing = [...expected.values()].filter((agent) => !seen.some((e) => e.address === agent.podIP)).map((agent) => `${agent.name} ${agent.podIP}`);
      const extra = seen.filter((e) => !expected.has(e.address)).map((e) => `${e.address} (${e.pod ?? '?'})`);
      const wrong = seen.filter((e) => expected.has(e.address) && (!e.ready || expected.get(e.address)?.name !== e.pod || (e.node !== undefined && expected.get(e.address)?.node !== e.node)));
      await failWithService(c, 'mismatch', `expected ${expected.size} ready endpoints for the fleet pods, saw ${seen.length} (missing ${missing.length}, extra ${extra.length}, wrong ${wrong.length})`, name, {
        extra: [{ label: 'difference', text: [...missing.map((m) => `missing ${m}`), ...extra.map((e) => `extra ${e}`), ...wrong.map((w) => `wrong ${w.address}: pod ${w.pod} node ${w.node} ready ${w.ready}`)].join('\n') }],
        likelyCause: 'the EndpointSlice controller in kube-controller-manager lags or is down',
      });
    }
    c.note(`${expected.size} endpoints, each ready, after ${Math.round(waited.elapsedMs)}ms`);
  });

  check('a Service without endpoints refuses at once', { description: 'a ClusterIP whose selector matches no pod answers with a refusal (REJECT), not a timeout' }, async (c) => {
    const name = 'no-endpoints';
    const service = await createService(c, { name, selector: { 'shakedown.dev/none': 'none' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const source = c.run.fleet.agents[0];
    if (source === undefined) return c.skip('the fleet has no agent');
    const target = { id: 'no-endpoints', kind: 'tcp', host: clusterIP(service), port: 80, timeoutMs: c.run.timeouts.probeMs } satisfies ProbeTarget;
    const probed = await probeUntil(c, source, [target], (results) => meets(results[0], EXPECT.refused) && (results[0]?.ms ?? Infinity) < 1000);
    const result = probed.value[0];
    if (!probed.ok) {
      await failWithService(c, classify(result) === 'refused' ? 'mismatch' : classify(result), `expected ${clusterIP(service)}:80 refused at once, saw ${describeResult(result)}`, name, {
        likelyCause:
          result?.outcome === 'timeout'
            ? 'kube-proxy installs no REJECT rule for Services without endpoints (or a firewall drops the ICMP/RST): clients hang until their own timeout instead of failing fast'
            : 'something answers on a Service that has no endpoints',
      });
    }
    c.note(`refused in ${Math.round(result?.ms ?? 0)}ms (programmed after ${Math.round(probed.elapsedMs)}ms)`);
  });

  check('hairpin: a pod reaches itself through its own Service', { description: 'a pod that is the only endpoint of a Service reaches itself through the ClusterIP' }, async (c) => {
    const name = 'hairpin';
    const source = c.run.fleet.agents[0];
    if (source === undefined) return c.skip('the fleet has no agent');
    const service = await createService(c, { name, selector: { ...c.run.fleet.selector, [PROBE_LABEL]: source.name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    await waitEndpoints(c, name, (endpoints) => endpoints.some((e) => e.ready && e.pod === source.name));
    const probed = await probeUntil(c, source, [httpTarget('self', clusterIP(service), 80, c.run.timeouts.probeMs)], (results) => answeredBy(results[0]) === source.name);
    if (!probed.ok) {
      await failWithService(c, classify(probed.value[0]), `expected ${source.name} to reach itself through ${clusterIP(service)}:80, saw ${describeResult(probed.value[0])}`, name, {
        likelyCause: 'hairpin traffic is dropped: the kubelet hairpin mode (hairpin-veth / promiscuous-bridge) or the bridge CNI hairpinMode is off',
      });
    }
    c.note(`${source.name} reached itself via ${clusterIP(service)} (source IP seen: ${probed.value[0]?.http?.echo?.clientIP ?? '?'})`);
  });

  check('cross-node: a Service backend on another node', { description: 'from each node, a Service whose only endpoints are on another node answers' }, async (c) => {
    const nodeAgents = c.run.fleet.agents.filter((agent) => agent.group === 'node');
    if (nodeAgents.length < 2) return c.skip(`the cluster has ${nodeAgents.length} schedulable node; cross-node paths need two`);
    const problems: string[] = [];
    await Promise.all(
      nodeAgents.map(async (source, index) => {
        const backend = nodeAgents[(index + 1) % nodeAgents.length];
        if (backend === undefined) return;
        const name = `cross-${index}`;
        const service = await createService(c, { name, selector: { ...c.run.fleet.selector, [NODE_LABEL]: backend.node.slice(0, 63) }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
        await waitEndpoints(c, name, (endpoints) => endpoints.some((e) => e.ready));
        const probed = await probeUntil(c, source, [httpTarget('cross', clusterIP(service), 80, c.run.timeouts.probeMs)], (results) => results[0]?.http?.echo?.node === backend.node);
        if (!probed.ok) problems.push(`${source.node} -> ${name} (${clusterIP(service)}, endpoints on ${backend.node}): expected an answer from ${backend.node}, saw ${describeResult(probed.value[0])}`);
      }),
    );
    if (problems.length > 0) {
      await failWithService(c, 'unreachable', `${problems.length} cross-node Service path(s) failed: ${problems[0]}`, 'cross-0', {
        extra: [{ label: 'paths', text: problems.join('\n') }],
        likelyCause: 'pod traffic between nodes is not routed (CNI overlay or routes between nodes), or a host firewall drops it',
      });
    }
    c.note(`${nodeAgents.length} cross-node paths answered`);
  });

  // Changes an agent's readiness, so it runs alone, after the checks above.
  group('readiness', { sequential: true }, () => {
    check('a pod that is not ready gets no traffic', { description: 'an endpoint whose readiness probe fails leaves the EndpointSlice and gets no new connections' }, async (c) => {
      const agents = c.run.fleet.agents;
      const [source, victim] = [agents[0], agents[agents.length - 1]];
      if (source === undefined || victim === undefined || agents.length < 2) return c.skip('needs two agents');
      const name = 'not-ready';
      const service = await createService(c, { name, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
      await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === agents.length);
      const { transport } = await c.cluster();
      await transport.setReady(victim, false);
      try {
        const removed = await waitEndpoints(c, name, (endpoints) => endpoints.some((e) => e.pod === victim.name && !e.ready) || !endpoints.some((e) => e.pod === victim.name));
        if (!removed.ok) {
          await failWithService(c, 'mismatch', `expected ${victim.name} to leave the ready endpoints once its readiness probe failed; it is still ready after ${Math.round(removed.elapsedMs)}ms`, name, {
            likelyCause: 'the kubelet does not run the readiness probe, or the endpoint controller does not follow pod readiness',
          });
        }
        c.log(`${victim.name} left the ready endpoints after ${Math.round(removed.elapsedMs)}ms`);
        const total = 10 * agents.length;
        const targets = Array.from({ length: total }, (_, i) => httpTarget(`#${i}`, clusterIP(service), 80, c.run.timeouts.probeMs));
        const probed = await probeUntil(c, source, targets, (results) => results.every((r) => r.outcome === 'ok' && answeredBy(r) !== victim.name), 10_000);
        const hits = probed.value.filter((r) => answeredBy(r) === victim.name).length;
        if (!probed.ok) {
          await failWithService(
            c,
            hits > 0 ? 'mismatch' : classify(probed.value.find((r) => r.outcome !== 'ok')),
            hits > 0 ? `expected no traffic to not-ready ${victim.name}, it still answered ${hits} of ${total} requests` : `requests failed while ${victim.name} was not ready`,
            name,
            { likelyCause: hits > 0 ? 'the node proxy keeps a removed endpoint in its rules (stale kube-proxy sync)' : KUBE_PROXY_CAUSE },
          );
        }
        c.note(`not-ready ${victim.name} left the endpoints in ${Math.round(removed.elapsedMs)}ms and got none of ${total} requests`);
      } finally {
        await transport.setReady(victim, true);
        await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === agents.length);
      }
    });
  });
});
