// Runs one NetworkPolicy case against the shared world: per step, create/delete its policies,
// poll the table until it matches (the enforcement latency), and fail with expected, observed and
// difference tables, the policies, the plugin and a command reproducing one probe. Afterwards every
// policy of the case is deleted and the table must return to all allowed (the deletion latency).
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { ProbeTarget } from '../../agent/protocol.ts';
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { RunContext } from '../../helpers/engine/context.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import manifest from './manifest.ts';
import { statusCode } from '../../helpers/kube/api-errors.ts';
import { poll as pollUntil } from '../../helpers/wait/poll.ts';
import { expectTable, ruleProblems, type Truth } from './model.ts';
import { safetyProblems, toNetworkPolicy } from './policy.ts';
import { pollTable, type Polled } from './probe.ts';
import { differenceGrids, expectedGrids, mismatchLine, observedGrids, type Mismatch } from './table.ts';
import { gridEvidence } from '../../helpers/evidence.ts';
import { reproduceProbe } from './reproduce.ts';
import { describeResult } from '../../helpers/probe/expectations.ts';
import { AGENT_CONTAINER } from '../../helpers/fleet/manifests.ts';
import type { Evidence } from '../../helpers/result.ts';
import type { NetpolCase, Step } from './netpol-cases.ts';
import type { World } from './netpol-world.ts';
import { byNodeText, groupByNode, type ByNode } from './per-node.ts';
import { enforcerOnNode } from './node-enforcer.ts';
import { listOf, nodeFinding, notEnforcedOnMessage, type NodeFinding } from './verdict.ts';
import type { PolicyDraft } from './policy.ts';

// While polling, a blocked cell costs this much; a path that works answers in milliseconds.
export const POLL_PROBE_TIMEOUT_MS = 1000;

// How long a policy change may take to be enforced before it counts as a failure (ms): the
// suite's --netpol-bound option, validated before the run starts.
export function enforcementBoundMs(run: Pick<RunContext, 'options'>): number {
  return suiteOptions(run, manifest).bound;
}

export interface Latency {
  what: string;
  ms: number;
  stepMs: number;
}

// Polls the table until it matches or the bound passes; stops with the check, or earlier when
// `stop` aborts (rejecting with its reason).
export function poll(c: CheckContext, world: World, expected: Truth, stop?: AbortSignal): Promise<Polled> {
  return pollTable(world.transport, world.model, world.pods, expected, {
    boundMs: enforcementBoundMs(c.run),
    pollTimeoutMs: POLL_PROBE_TIMEOUT_MS,
    finalTimeoutMs: Math.max(POLL_PROBE_TIMEOUT_MS, c.run.timeouts.probeMs),
    signal: stop === undefined ? c.signal : AbortSignal.any([c.signal, stop]),
  });
}

// What a case running beside the enforcement verdict is given (netpol-verdict.ts): a signal that
// aborts when the verdict decides something that concerns the case, and what to do before the
// case reports a failure of its own (await the verdict; skip or fail with its finding when it
// explains the failure, else return).
export interface CaseGate {
  stop?: AbortSignal;
  beforeFailing(): Promise<void>;
}

const UNGATED: CaseGate = { beforeFailing: () => Promise.resolve() };

export function expectedOf(world: World, step: Pick<Step, 'expect'>): Truth {
  const problems = ruleProblems(world.model, step.expect);
  if (problems.length > 0) throw new Error(`bad expectation: ${problems.join('; ')}`);
  return expectTable(world.model, step.expect);
}

// The node of each pod of the world, by the model's id ("x/b" -> "node2").
export function podNodes(world: Pick<World, 'pods'>): Map<string, string> {
  return new Map(world.pods.map((pod) => [pod.id, pod.address.node ?? '']));
}

export const BY_NODE_LABEL =
  'by node (where each policed pod runs: ingress is enforced on the node of the pod it protects, egress on the node of the pod it restricts)';

// Nodes where no policy of the table holds while it holds on others, with the enforcer of each as
// the API shows it (node-enforcer.ts). Undefined when the mismatches name no such node.
export interface NodeFault extends NodeFinding {
  // "the enforcer on node2: pod ... Running, NOT ready (...)", or that the API does not show it.
  enforcer: string;
  likelyCause: string;
}

export async function nodeFault(c: CheckContext, world: World, byNode: ByNode, what: string): Promise<NodeFault | undefined> {
  const finding = nodeFinding(byNode, what);
  if (finding === undefined) return undefined;
  const { session } = await c.cluster();
  const enforcers = await Promise.all(finding.nodes.map((node) => enforcerOnNode(session.clients.core, world.plugin, node)));
  for (const node of finding.nodes) c.track({ kind: 'Node', name: node });
  for (const pod of enforcers.flatMap((e) => e.unready)) c.track(pod);
  const where = listOf(finding.nodes);
  const holding = listOf(finding.holding);
  return {
    ...finding,
    enforcer: enforcers.map((e) => e.summary).join('; '),
    likelyCause: enforcers.every((e) => e.visible)
      ? `the network plugin's policy agent on ${where} is down, or runs without programming its rules there; ${holding} enforces the same policies, so the policies and the API are not at fault`
      : `the NetworkPolicy enforcer on ${where} (not visible in the API, so a host process) is stopped, or runs without its rules; ${holding} enforces the same policies, so the policies and the API are not at fault`,
  };
}

// A command that sends the same probe by hand, from inside the source pod.
export function reproduceCommand(world: World, mismatch: Mismatch | undefined, timeoutMs: number): string | undefined {
  if (mismatch === undefined) return undefined;
  const source = world.pods.find((pod) => pod.id === mismatch.from);
  const target = world.pods.find((pod) => pod.id === mismatch.to);
  const port = world.model.ports.find((p) => `${p.protocol}/${p.port}` === mismatch.port);
  if (source === undefined || target === undefined || port === undefined) return undefined;
  return `# ${mismatch.from} -> ${mismatch.to} (${target.address.namespace}/${target.address.name}) ${mismatch.port}\n${reproduceProbe({ namespace: source.address.namespace, pod: source.address.name, container: AGENT_CONTAINER, host: target.ip, port, timeoutMs })}`;
}

// Expected, observed and difference for the ports where something went wrong.
export function tableEvidence(world: World, expected: Truth, polled: Polled, reproduceTimeoutMs = 2 * POLL_PROBE_TIMEOUT_MS): Evidence[] {
  const line = (m: Mismatch) => `${mismatchLine(m)}\n    ${reproduceCommand(world, m, reproduceTimeoutMs)?.split('\n').at(-1) ?? '(no pod to reproduce from)'}`;
  const wrongPorts = new Set(polled.mismatches.map((m) => m.port));
  const fine = world.model.ports.map((p) => `${p.protocol}/${p.port}`).filter((p) => !wrongPorts.has(p));
  const note = fine.length > 0 ? ` (${fine.join(', ')} as expected, not shown)` : '';
  return [
    gridEvidence(`expected${note}`, expectedGrids(world.model, expected, wrongPorts)),
    gridEvidence('observed (. reached, X blocked, ? not observed)', observedGrids(world.model, polled.observed, wrongPorts)),
    gridEvidence('difference (X = not as expected)', differenceGrids(world.model, expected, polled.observed, wrongPorts)),
    {
      label: 'mismatched probes, each with the command that sends it by hand',
      text: polled.mismatches.slice(0, 40).map(line).join('\n') + (polled.mismatches.length > 40 ? `\n... and ${polled.mismatches.length - 40} more` : ''),
    },
  ];
}

async function createPolicy(c: CheckContext, world: World, policy: V1NetworkPolicy): Promise<void> {
  const problems = safetyProblems(policy, [...world.namespaces.values()], world.resolver.runId);
  if (problems.length > 0) throw new Error(`refusing an unsafe policy: ${problems.join('; ')}`);
  const { session } = await c.cluster();
  await session.clients.networking.createNamespacedNetworkPolicy({ namespace: policy.metadata?.namespace ?? '', body: policy });
  c.log(`created NetworkPolicy ${policy.metadata?.namespace}/${policy.metadata?.name}`);
}

async function deletePolicy(c: CheckContext, policy: V1NetworkPolicy): Promise<void> {
  const { session } = await c.cluster();
  try {
    await session.clients.networking.deleteNamespacedNetworkPolicy({ name: policy.metadata?.name ?? '', namespace: policy.metadata?.namespace ?? '' });
    c.log(`deleted NetworkPolicy ${policy.metadata?.namespace}/${policy.metadata?.name}`);
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
}

export const policyText = (policies: Iterable<V1NetworkPolicy>) =>
  [...policies].map((p) => JSON.stringify({ name: p.metadata?.name, namespace: p.metadata?.namespace, spec: p.spec })).join('\n');

const DNS_BUDGET_MS = 5000;

async function lookups(c: CheckContext, world: World, from: readonly string[]): Promise<string[]> {
  if (world.dnsServer === undefined) return [`the pods have no nameserver in /etc/resolv.conf`];
  const name = `kubernetes.default.svc.${world.clusterDomain}`;
  const problems: string[] = [];
  await Promise.all(
    from.map(async (id) => {
      const pod = world.pods.find((p) => p.id === id);
      if (pod === undefined) return void problems.push(`${id}: no such pod`);
      const target: ProbeTarget = {
        id: 'dns',
        kind: 'dns',
        server: world.dnsServer ?? '',
        name,
        type: 'A',
        transport: 'udp',
        timeoutMs: c.run.timeouts.probeMs,
      };
      const { results } = await world.transport.probe(pod.address, [target], { signal: c.signal });
      if (results[0]?.outcome !== 'ok') problems.push(`${id} -> ${world.dnsServer} ${name} A: expected an answer, saw ${describeResult(results[0])}`);
    }),
  );
  return problems;
}

// DNS from these pods must be answered (retried for a few seconds). When it is not, a pod that no
// policy selects tells a policy problem from a cluster DNS that is down for everyone.
async function dnsVerdict(c: CheckContext, world: World, from: readonly string[]): Promise<{ problems: string[]; control?: string }> {
  const waited = await pollUntil(
    () => lookups(c, world, from),
    (problems) => problems.length === 0,
    { timeoutMs: DNS_BUDGET_MS, intervalMs: 500, signal: c.signal },
  );
  if (waited.ok) return { problems: [] };
  const control = world.pods.find((pod) => !from.some((id) => id.split('/')[0] === pod.id.split('/')[0]));
  if (control === undefined) return { problems: waited.value };
  const controlProblems = await lookups(c, world, [control.id]);
  return { problems: waited.value, ...(controlProblems.length > 0 ? { control: controlProblems[0] } : {}) };
}

// Runs the case; returns the latencies measured. Fails on the first step that does not match (once
// the gate had its say). The world is the case's lane: it leaves it with no policy and all allowed.
export async function runCase(c: CheckContext, world: World, spec: NetpolCase, gate: CaseGate = UNGATED): Promise<Latency[]> {
  const latencies: Latency[] = [];
  const live = new Map<string, V1NetworkPolicy>();
  const drafts = new Map<string, PolicyDraft>();
  let failing = false;
  try {
    for (const [index, step] of spec.steps.entries()) {
      const expected = expectedOf(world, step);
      const label = spec.steps.length > 1 ? `step ${index + 1}: ` : '';
      for (const name of step.delete ?? []) {
        const policy = live.get(name);
        if (policy === undefined) throw new Error(`step ${index + 1} deletes ${name}, which no earlier step created`);
        await deletePolicy(c, policy);
        live.delete(name);
        drafts.delete(name);
      }
      const created = (step.create ?? []).map((draft) => toNetworkPolicy(draft, world.resolver));
      await Promise.all(created.map((policy) => createPolicy(c, world, policy)));
      for (const policy of created) live.set(policy.metadata?.name ?? '', policy);
      for (const draft of step.create ?? []) drafts.set(draft.name, draft);
      const polled = await poll(c, world, expected, gate.stop).catch(async (error: unknown) => {
        // Stopped by the verdict's decision: the gate skips or fails the case with it.
        if (gate.stop?.aborted === true) await gate.beforeFailing();
        throw error;
      });
      const change = [...(step.create ?? []).map((d) => `+${d.name}`), ...(step.delete ?? []).map((n) => `-${n}`)].join(' ');
      c.log(
        `${label}${change}: ${polled.ok ? 'matched' : 'did not match'} after ${Math.round(polled.elapsedMs)}ms, ${polled.steps} table step(s), last ${Math.round(polled.lastStepMs)}ms${polled.flaky > 0 ? `, ${polled.flaky} cell(s) cleared only on the re-probe` : ''}`,
      );
      if (!polled.ok) {
        failing = true;
        await gate.beforeFailing();
        const first = polled.mismatches[0];
        const unknown = polled.mismatches.filter((m) => m.observed?.error !== undefined || m.observed?.result === undefined).length;
        const byNode = groupByNode(world.model, [...drafts.values()], podNodes(world), expected, polled.observed);
        const fault = await nodeFault(c, world, byNode, 'the policies');
        const after = `${Math.round(enforcementBoundMs(c.run) / 1000)} s after ${change}`;
        const reproduce = reproduceCommand(world, fault?.leaked[0] ?? first, c.run.timeouts.probeMs);
        const evidence = [
          { label: BY_NODE_LABEL, text: byNodeText(byNode) },
          ...tableEvidence(world, expected, polled),
          { label: 'policies', text: policyText(live.values()) },
          { label: 'network plugin', text: `${world.plugin.name}\n${world.plugin.evidence.join('\n')}` },
        ];
        if (fault !== undefined) {
          c.fail('not-enforced', `${label}${notEnforcedOnMessage(fault.nodes)}: ${fault.detail}, ${after}; ${fault.enforcer}`, {
            evidence,
            likelyCause: fault.likelyCause,
            origin: fault.origin,
            ...(reproduce === undefined ? {} : { reproduce }),
          });
        }
        c.fail(
          unknown === polled.mismatches.length ? 'error' : 'mismatch',
          `${label}${polled.mismatches.length} of ${expected.size} probes not as expected ${after}: ${first === undefined ? '' : mismatchLine(first)}`,
          {
            evidence,
            likelyCause: `the network plugin (${world.plugin.name}) enforces this policy differently from the NetworkPolicy API, or takes longer than the bound (--netpol-bound)`,
            ...(reproduce === undefined ? {} : { reproduce }),
            ...(polled.origin === undefined ? {} : { origin: polled.origin }),
          },
        );
      }
      latencies.push({ what: `${label}${change}`, ms: polled.elapsedMs, stepMs: polled.lastStepMs });
      if (step.dnsFrom !== undefined) {
        const dns = await dnsVerdict(c, world, step.dnsFrom);
        if (dns.problems.length > 0) {
          failing = true;
          await gate.beforeFailing();
          c.fail(
            'dns-error',
            `${label}DNS lookups failed although the policy allows port 53: ${dns.problems[0]}${dns.control === undefined ? '' : `; they fail from a pod no policy selects too (${dns.control})`}`,
            {
              evidence: [
                { label: 'lookups', text: [...dns.problems, ...(dns.control === undefined ? [] : [`control: ${dns.control}`])].join('\n') },
                { label: 'policies', text: policyText(live.values()) },
              ],
              likelyCause:
                dns.control === undefined
                  ? 'the plugin does not apply the port-53 egress exception to traffic addressed to the DNS Service IP (it judges before or after the Service translation differently)'
                  : 'the cluster DNS is failing for every pod, not because of the policy: check the CoreDNS pods and the kube-dns Service endpoints',
            },
          );
        }
      }
    }
  } catch (error) {
    failing = true;
    throw error;
  } finally {
    const remaining = [...live.values()];
    await Promise.all(remaining.map((policy) => deletePolicy(c, policy)));
    if (remaining.length > 0) {
      // Also after a failure: the next case must start from a table no policy touches.
      const polled = await poll(c, world, expectTable(world.model, []));
      c.log(`all policies deleted: ${polled.ok ? 'all allowed again' : 'still blocked'} after ${Math.round(polled.elapsedMs)}ms`);
      if (!polled.ok && !failing) {
        await gate.beforeFailing();
        c.fail(
          'mismatch',
          `${polled.mismatches.length} probes still blocked ${Math.round(enforcementBoundMs(c.run) / 1000)} s after every policy was deleted: ${mismatchLine(polled.mismatches[0] as Mismatch)}`,
          {
            evidence: tableEvidence(world, expectTable(world.model, []), polled),
            likelyCause: `the network plugin (${world.plugin.name}) keeps the rules of deleted policies`,
          },
        );
      }
      latencies.push({ what: `delete ${remaining.map((p) => p.metadata?.name).join(', ')}`, ms: polled.elapsedMs, stepMs: polled.lastStepMs });
    }
  }
  return latencies;
}

export function latencyText(latencies: readonly Latency[]): string {
  return latencies.map((l) => `${l.what} within ${(l.ms / 1000).toFixed(1)} s`).join(', ');
}
