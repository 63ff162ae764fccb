// The configuration, addressing and egress checks of the network suite, defined inside its
// defineSuite body by configChecks(). Each reads the cluster's network facts (once per worker),
// judges them with a pure function, and ends the way the judgement says: a plugin that is not
// present skips with the reason; a mismatch fails naming both values; warnings warn.
import type { CheckContext } from '../../../helpers/engine/check.ts';
import type { CheckDeclaration } from '../../../helpers/engine/manifest.ts';
import { check } from '../../../helpers/engine/check.ts';
import { suiteOptions } from '../../../helpers/engine/manifest.ts';
import { everyNodeAgents } from '../../../helpers/fleet/plan.ts';
import manifest from '../manifest.ts';
import { addressPlan, judgeAddressing } from './addressing.ts';
import { judgeCalico } from './calico.ts';
import { judgeCilium } from './cilium.ts';
import { egressProbes, expectedSource, judgeEgress, reportedSource, type EgressVerdict } from './egress.ts';
import { apiReader, readNetworkFacts, readPodNets, type NetworkFacts } from './facts.ts';
import { judgeFlannel } from './flannel.ts';
import { conclude as concludeFindings } from '../../../helpers/engine/findings.ts';
import type { Finding, Judgement } from './judgement.ts';
import { judgeKubeRouter } from './kube-router.ts';

let facts: Promise<NetworkFacts> | undefined;

// Read once per suite worker, shared by the checks (and its failure with them).
async function networkFacts(c: CheckContext): Promise<NetworkFacts> {
  facts ??= c.cluster().then(({ session }) => readNetworkFacts(apiReader(session.connection)));
  return facts;
}

function pluginLine(c: CheckContext): string {
  const plugin = c.run.networkPlugin;
  return plugin === undefined
    ? 'network plugin: not detected for this run'
    : `network plugin detected by the engine: ${plugin.name}${plugin.evidence.length > 0 ? ` (${plugin.evidence.slice(0, 4).join('; ')})` : ''}`;
}

// Ends a check the way its findings say.
function conclude(c: CheckContext, findings: readonly Finding[], seen: readonly string[], what: string, likelyCause: string): void {
  concludeFindings(c, findings, {
    pass: `${what}: ${seen.slice(0, 3).join('; ')}`,
    evidence: [{ label: 'what the API shows', text: [pluginLine(c), ...seen].join('\n') }],
    likelyCause,
  });
}

function pluginCheck(declared: CheckDeclaration, judge: (facts: NetworkFacts) => Judgement, likelyCause: string): void {
  check(declared, async (c) => {
    const read = await networkFacts(c);
    const judgement = judge(read);
    for (const line of read.unread) c.log(`could not read ${line}`);
    if (judgement.absent !== undefined) {
      const refused = read.unread.length > 0 ? ` (some reads failed: ${read.unread.join('; ')})` : '';
      c.skip(`${judgement.absent}${refused}`);
    }
    conclude(c, judgement.findings, judgement.seen, judgement.plugin, likelyCause);
  });
}

export function configChecks(): void {
  pluginCheck(
    manifest.check.flannel,
    judgeFlannel,
    "flannel's net-conf.json was written for another pod CIDR than the cluster's (kubeadm --pod-network-cidr, the controller-manager's --cluster-cidr), or flanneld on the named nodes is not running or picked the wrong interface",
  );
  pluginCheck(
    manifest.check.calico,
    judgeCalico,
    "Calico's IPPools were created for another pod CIDR than the cluster's (CALICO_IPV4POOL_CIDR vs kubeadm --pod-network-cidr), or BGP sessions between nodes are blocked (TCP 179) or misconfigured",
  );
  pluginCheck(manifest.check.cilium, judgeCilium, "cilium-config was written for another pod CIDR or routing setup than the cluster's");
  pluginCheck(
    manifest.check.kubeRouter,
    judgeKubeRouter,
    'the controller-manager does not allocate node podCIDRs (--allocate-node-cidrs), or kube-router runs with settings that disagree with the nodes',
  );

  check(manifest.check.addressing, async (c) => {
    const [read, pods] = await Promise.all([networkFacts(c), c.cluster().then(({ session }) => readPodNets(apiReader(session.connection)))]);
    if (pods.unread !== undefined) c.fail('forbidden', `cannot read the pods' addresses: ${pods.unread}`);
    if (read.nodes.length === 0) c.fail('error', `cannot read the nodes: ${read.unread.join('; ') || 'none listed'}`);
    // The run's own probe pods are among the running pods; any the list missed are added.
    const listed = new Set(pods.pods.map((p) => `${p.namespace}/${p.name}`));
    const own = c.run.fleet.agents
      .filter((a) => !listed.has(`${a.namespace}/${a.name}`))
      .map((a) => ({ namespace: a.namespace, name: a.name, node: a.node, ips: [a.podIP] }));
    const plan = addressPlan(read);
    const result = judgeAddressing(read.nodes, [...pods.pods, ...own], plan);
    conclude(
      c,
      result.findings,
      result.seen,
      'pod addresses',
      "pods got addresses from a range the node does not own: a CNI config (host-local ranges, the plugin pool) that disagrees with the nodes' podCIDRs, or podCIDRs allocated twice",
    );
  });

  check(manifest.check.egress, async (c) => {
    const options = suiteOptions(c.run, manifest);
    const target = options.egressTarget;
    if (target === undefined)
      return c.skip(
        'no --egress-target given (HOST:PORT of a DNS server that answers whoami with the client address, or an http:// URL that reports it): nothing outside the cluster to report the source address',
      );
    const { transport } = await c.cluster();
    const read = await networkFacts(c);
    const agents = everyNodeAgents(c.run.fleet);
    if (agents.length === 0) c.skip('no probe agent on any node');
    const nodes = new Map(read.nodes.map((n) => [n.name, n.addresses]));
    const verdicts: (EgressVerdict & { node: string })[] = await Promise.all(
      agents.map(async (agent) => {
        const ask = async () => reportedSource((await transport.probe(agent, egressProbes(target, c.run.timeouts.probeMs), { signal: c.signal })).results);
        // A lost datagram is not a finding: a probe that got no answer is asked once more.
        let source = await ask();
        if ('failed' in source) {
          c.log(`${agent.name}@${agent.node}: ${source.failed.outcome} (${source.failed.detail}); asking once more`);
          source = await ask();
        }
        const verdict = judgeEgress(
          {
            pod: `${agent.namespace}/${agent.name}`,
            node: agent.node,
            podIP: agent.podIP,
            nodeAddresses: nodes.get(agent.node) ?? [],
            read: source,
            expect: expectedSource(read, agent.podIP, options.egressSource),
          },
          target.text,
        );
        c.log(verdict.line);
        return { ...verdict, node: agent.node };
      }),
    );
    c.evidence('egress per node', [pluginLine(c), ...verdicts.map((v) => `${v.status.toUpperCase()} ${v.line}`)].join('\n'));
    const failed = verdicts.filter((v): v is Extract<EgressVerdict, { status: 'fail' }> & { node: string } => v.status === 'fail');
    if (failed.length > 0) {
      const [first] = failed;
      const nodesFailed = [...new Set(failed.map((v) => v.node))];
      const origin =
        nodesFailed.length === 1 && verdicts.length > 1
          ? {
              origin: {
                dimension: 'source-node',
                value: nodesFailed[0] ?? '',
                summary: `only pods on ${nodesFailed[0]} leave differently or not at all; the other nodes behave as expected`,
                confidence: 'high' as const,
              },
            }
          : {};
      c.fail(first?.classification ?? 'error', `${first?.line ?? ''}${failed.length > 1 ? ` (and ${failed.length - 1} more node(s))` : ''}`, {
        likelyCause:
          first?.classification === 'mismatch'
            ? 'the masquerade rules on the node disagree with the plugin setting (another component adds or misses a MASQUERADE/SNAT rule: ip-masq-agent, kube-proxy --masquerade-all, a leftover rule)'
            : `the route or a firewall between the node and ${target.text} drops pod traffic`,
        ...origin,
      });
    }
    if (verdicts.every((v) => v.status === 'no-report'))
      c.warn(`${target.text} answered without reporting a source address: it is not a whoami service (${verdicts[0]?.line ?? ''})`);
    const unjudged = verdicts.filter((v) => v.status === 'unjudged');
    if (unjudged.length > 0 && verdicts.every((v) => v.status !== 'pass')) {
      c.skip(
        `${expectedSource(read, agents[0]?.podIP ?? '', 'auto').why}, and no --egress-source (pod or node) says what to expect; seen: ${unjudged.map((v) => v.line).join('; ')}`,
      );
    }
    c.note(
      `${verdicts.filter((v) => v.status === 'pass').length} of ${verdicts.length} node(s) leave as expected: ${verdicts.find((v) => v.status === 'pass')?.line ?? ''}`,
    );
  });
}
