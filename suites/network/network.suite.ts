// The network suite: the pod network's data path. Every ordered node pair, both ways, with small
// and large payloads (a failure names the pair and the direction, and says MTU when only the large
// payloads fail), pod to the other nodes' addresses, the runner to pod IPs, and whether the pods'
// interface MTUs agree. Cells are data (pairs.ts); the pairs are judged and correlated in verdict.ts.
import { check, defineSuite } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { everyNodeAgents } from '../../helpers/fleet/plan.ts';
import { RUNNER, failReach, reach, reachEvidence, type Cell } from '../../helpers/probe/reach.ts';
import { answeredBy } from '../../helpers/probe/expectations.ts';
import manifest from './manifest.ts';
import { PAYLOADS, choosePairs, nodeAddressCells, pairCells, probeCountText } from '../../helpers/pod-path/pairs.ts';
import { judgePairs, pairGrid, pairVerdicts } from '../../helpers/pod-path/verdict.ts';
import { gridEvidence } from '../../helpers/evidence.ts';
import { mtuAgreement, nodeAddresses, runnerVerdict } from './world.ts';
import { agentMtus } from '../../helpers/pod-path/mtus.ts';
import { configChecks } from './config/checks.ts';
import { kubeProxyModeCheck } from './kube-proxy-check.ts';

// The runner's calls to pod IPs: short, since on many clusters they cannot be routed at all.
const RUNNER_TIMEOUT_MS = 2000;

defineSuite(manifest, () => {
  check(manifest.check.mtus, async (c) => {
    const { transport } = await c.cluster();
    const agents = everyNodeAgents(c.run.fleet);
    const agreement = mtuAgreement(await agentMtus(transport, agents, c.signal));
    for (const line of agreement.lines) c.log(line);
    if (agreement.status === 'warn') {
      c.warn(agreement.text, {
        evidence: [{ label: "interface MTU of each node's probe pod (default-route interface)", text: agreement.lines.join('\n') }],
        likelyCause:
          'the CNI configures a different MTU on some nodes (a per-node setting, or nodes whose underlay interfaces differ, e.g. a node pool with jumbo frames)',
      });
    }
    c.note(agreement.text);
  });

  check(manifest.check.nodePairs, async (c) => {
    const { transport } = await c.cluster();
    const agents = everyNodeAgents(c.run.fleet);
    if (new Set(agents.map((a) => a.node)).size < 2)
      return c.skip(`${agents.length === 0 ? 'no node has' : 'only one node has'} a probe agent: there is no node pair`);
    const mtus = await agentMtus(transport, agents, c.signal);
    const plan = choosePairs(agents, suiteOptions(c.run, manifest).allPairs);
    const cells = pairCells(plan, (agent) => mtus.get(agent.node)?.mtu, c.run.timeouts.probeMs);
    const count = probeCountText(plan, cells.length, PAYLOADS.length);
    c.log(count);
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    const verdicts = pairVerdicts(run.cells);
    const finding = judgePairs(verdicts, mtus);
    if (finding !== undefined) {
      c.fail(finding.classification, finding.message, {
        evidence: [
          gridEvidence('node pairs (rows from, columns to; . all pass, M only large payloads fail, U only UDP fails, X small TCP fails too)', [
            pairGrid(verdicts),
          ]),
          { label: 'failing pairs', text: finding.lines.join('\n') },
          { label: 'pod interface MTU', text: mtuAgreement(mtus).lines.join('\n') },
          { label: 'probes', text: count },
          ...reachEvidence(run),
        ],
        likelyCause: finding.likelyCause,
        ...(finding.origin === undefined ? {} : { origin: finding.origin }),
      });
    }
    c.note(`${count}; ${mtuAgreement(mtus).text}${run.flaky.length > 0 ? `; ${run.flaky.length} passed only on the re-probe` : ''}`);
  });

  check(manifest.check.podsToNodes, async (c) => {
    const { transport, session } = await c.cluster();
    const agents = everyNodeAgents(c.run.fleet);
    if (new Set(agents.map((a) => a.node)).size < 2) return c.skip('fewer than two nodes have a probe agent: there is no other node to reach');
    const addresses = nodeAddresses((await session.clients.core.listNode()).items);
    const plan = choosePairs(agents, suiteOptions(c.run, manifest).allPairs);
    const cells = nodeAddressCells(plan, (node) => addresses.get(node), c.run.timeouts.probeMs);
    if (cells.length === 0) return c.skip('no node reports an InternalIP or ExternalIP address');
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    await failReach(c, run, {
      what: "TCP handshakes with other nodes' kubelet ports",
      origin: {
        noun: { one: 'handshake', many: 'handshakes' },
        suspect: ({ dimensions, values }) =>
          dimensions.length === 1 && values.length === 1 && (dimensions[0] === 'source-node' || dimensions[0] === 'target-node')
            ? `the pod network on ${values[0]}`
            : undefined,
      },
      likelyCause: (origin) =>
        origin?.dimension === 'target-node'
          ? `${origin.value} does not accept connections from pods to its address: a host firewall on ${origin.value}, or its kubelet does not listen on that address`
          : origin?.dimension === 'source-node'
            ? `pods on ${origin.value} cannot reach node addresses: the CNI's masquerade or routes toward the node network on ${origin.value}`
            : "pods do not reach the nodes' addresses: a host firewall between pods and nodes, the CNI's masquerade, or kubelets that listen elsewhere",
    });
    c.note(`${cells.length} handshakes from pods to other nodes' kubelet ports`);
  });

  check(manifest.check.runnerToPods, async (c) => {
    const { transport } = await c.cluster();
    const agents = everyNodeAgents(c.run.fleet);
    const cells = agents.map((agent): Cell => ({
      source: RUNNER,
      row: 'runner',
      column: `${agent.name}@${agent.node}`,
      target: {
        id: '',
        kind: 'http',
        url: `http://${agent.podIP.includes(':') ? `[${agent.podIP}]` : agent.podIP}:${agent.ports.http[1] ?? agent.ports.api}/`,
        timeoutMs: RUNNER_TIMEOUT_MS,
      },
      expect: answeredBy({ pod: agent.name }),
      facets: { 'target-node': agent.node },
    }));
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    const verdict = runnerVerdict(
      run.cells.map((cell) => ({ node: cell.facets['target-node'] ?? '?', ok: cell.judgement.ok, seen: cell.result?.outcome ?? cell.judgement.observed })),
    );
    if (verdict.status === 'skip') return c.skip(verdict.text);
    if (verdict.status === 'warn')
      c.warn(verdict.text, {
        evidence: reachEvidence(run),
        likelyCause:
          "this machine has routes to some nodes' pod ranges only (a partial static route or a VPN that carries some of them); reaching pods from outside is optional, the partial route is the finding",
      });
    c.note(verdict.text);
  });

  configChecks();

  check(manifest.check.kubeProxyMode, kubeProxyModeCheck);
});
