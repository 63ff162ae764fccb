// "Is NetworkPolicy enforced at all?", decided once per run before any other case: the table
// without policies must be all allowed, then a default deny of ingress into x must change it. A
// deny that changes nothing is ONE failure naming the network plugin; the cases that depend on
// enforcement are then skipped with that sentence instead of failing one by one. A deny that holds
// on some nodes and on none of the pods of others is ONE failure naming those nodes and the
// enforcer there ("not enforced on node2"); a later case whose policies select a pod on such a
// node then fails at once with that reason instead of waiting out the bound again, and the cases
// that police only pods elsewhere run as usual.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { expectTable } from './model.ts';
import { mismatchLine } from './table.ts';
import { judgeEnforcement, notEnforcedMessage, notEnforcedOnMessage } from './verdict.ts';
import { DEFAULT_DENY_INGRESS } from './netpol-cases.ts';
import {
  BY_NODE_LABEL,
  enforcementBoundMs,
  expectedOf,
  latencyText,
  nodeFault,
  podNodes,
  poll,
  policyText,
  reproduceCommand,
  runCase,
  tableEvidence,
  type Latency,
  type NodeFault,
} from './netpol-run.ts';
import { netpolWorld } from './netpol-world.ts';
import { byNodeText, groupByNode, missingNodes, policedList, policedPods } from './per-node.ts';
import { toNetworkPolicy } from './policy.ts';

// Why the dependent cases cannot run, once the verdict is known (undefined: they can).
let skipReason: string | undefined;
let decided = false;
// The nodes where the verdict found no policy holding, when it found such nodes.
let faultyNodes: NodeFault | undefined;
export const latencies: Latency[] = [];

export function dependentSkipReason(): string | undefined {
  return decided ? skipReason : 'the enforcement verdict was not reached';
}

export async function decideEnforcement(c: CheckContext): Promise<void> {
  decided = true;
  faultyNodes = undefined;
  skipReason = 'the NetworkPolicy pods could not be set up';
  const world = await netpolWorld(c);
  c.evidence('network plugin', `${world.plugin.name}\n${world.plugin.evidence.join('\n')}`);
  c.property('cluster.networkPlugin', world.plugin.name);
  c.log(`network plugin: ${world.plugin.name}; pods ready after ${Math.round(world.setupMs)}ms`);

  const allAllowed = expectTable(world.model, []);
  const baseline = await poll(c, world, allAllowed);
  c.log(`without any policy: ${baseline.ok ? 'all allowed' : 'not all allowed'} after ${Math.round(baseline.elapsedMs)}ms (${baseline.steps} table steps)`);
  if (!baseline.ok) {
    skipReason = 'pods do not reach each other even without any NetworkPolicy';
    c.fail(
      'unreachable',
      `without any NetworkPolicy, ${baseline.mismatches.length} of ${allAllowed.size} probes failed: ${mismatchLine(baseline.mismatches[0] ?? { key: '', from: '?', to: '?', port: '?', expected: true, observed: undefined })}`,
      {
        evidence: tableEvidence(world, allAllowed, baseline),
        likelyCause: 'pod-to-pod traffic is broken (CNI routes between nodes, a host firewall, or a stale policy) before any policy of this run exists',
        ...(reproduceCommand(world, baseline.mismatches[0], c.run.timeouts.probeMs) === undefined
          ? {}
          : { reproduce: reproduceCommand(world, baseline.mismatches[0], c.run.timeouts.probeMs) }),
      },
    );
  }

  const [step] = DEFAULT_DENY_INGRESS.steps;
  const draft = step?.create?.[0];
  if (step === undefined || draft === undefined) throw new Error('the default-deny case has no policy');
  const policy = toNetworkPolicy(draft, world.resolver);
  const expected = expectedOf(world, step);
  const { session } = await c.cluster();
  await session.clients.networking.createNamespacedNetworkPolicy({ namespace: policy.metadata?.namespace ?? '', body: policy });
  let denied;
  try {
    denied = await poll(c, world, expected);
    c.log(`default deny ingress in x: ${denied.ok ? 'in force' : 'not as expected'} after ${Math.round(denied.elapsedMs)}ms (${denied.steps} table steps)`);
  } finally {
    await session.clients.networking.deleteNamespacedNetworkPolicy({ name: policy.metadata?.name ?? '', namespace: policy.metadata?.namespace ?? '' });
  }
  const verdict = judgeEnforcement({ model: world.model, baseline: baseline.observed, denyExpected: expected, denyObserved: denied.observed });
  // Every path the deny governs, grouped by the node that must enforce it.
  const byNode = groupByNode(world.model, [draft], podNodes(world), expected, denied.observed);
  const missing = verdict === 'partial' || !denied.ok ? missingNodes(byNode) : undefined;
  c.evidence(
    'verdict',
    `${verdict}${missing === undefined ? '' : `: ${notEnforcedOnMessage(missing.missing.map((g) => g.node))}`} (deny table ${denied.ok ? 'matched' : `${denied.mismatches.length} mismatches`} after ${Math.round(denied.elapsedMs)}ms)`,
  );
  if (verdict === 'not-enforced') {
    skipReason = notEnforcedMessage(world.plugin.name);
    c.fail('not-enforced', skipReason, {
      evidence: tableEvidence(world, expected, denied),
      likelyCause:
        world.plugin.enforces === false
          ? `${world.plugin.name} does not implement NetworkPolicy: add a policy engine (e.g. Calico in policy-only mode, kube-router --run-firewall) or switch plugin`
          : `nothing enforced a default deny within ${Math.round(enforcementBoundMs() / 1000)} s: the plugin's policy component is off, crashed, or absent`,
      reproduce: `kubectl -n ${world.resolver.namespaceName('x')} get networkpolicy\n${reproduceCommand(world, denied.mismatches[0], c.run.timeouts.probeMs) ?? ''}`,
    });
  }
  skipReason = undefined;
  // A deny that never matched measured the bound, not a latency.
  if (denied.ok) latencies.push({ what: 'default deny ingress', ms: denied.elapsedMs, stepMs: denied.lastStepMs });
  const lifted = await poll(c, world, allAllowed);
  c.log(`default deny deleted: ${lifted.ok ? 'all allowed again' : 'still blocked'} after ${Math.round(lifted.elapsedMs)}ms (${lifted.steps} table steps)`);
  if (lifted.ok) latencies.push({ what: 'delete default deny', ms: lifted.elapsedMs, stepMs: lifted.lastStepMs });
  if (verdict === 'partial' || !denied.ok) {
    const evidence = [{ label: BY_NODE_LABEL, text: byNodeText(byNode) }, ...tableEvidence(world, expected, denied)];
    faultyNodes = await nodeFault(c, world, byNode, 'a default deny of ingress into x');
    if (faultyNodes !== undefined) {
      const reproduce = reproduceCommand(world, faultyNodes.leaked[0], c.run.timeouts.probeMs);
      c.fail(
        'not-enforced',
        `${notEnforcedOnMessage(faultyNodes.nodes)}: ${faultyNodes.detail}, ${Math.round(enforcementBoundMs() / 1000)} s after it was created; ${faultyNodes.enforcer}`,
        {
          evidence,
          likelyCause: faultyNodes.likelyCause,
          origin: faultyNodes.origin,
          ...(reproduce === undefined ? {} : { reproduce }),
        },
      );
    }
    c.fail(
      'mismatch',
      `NetworkPolicy is enforced, but a default deny of ingress into x left ${denied.mismatches.length} probes not as expected: ${mismatchLine(denied.mismatches[0] ?? { key: '', from: '?', to: '?', port: '?', expected: false, observed: undefined })}`,
      {
        evidence,
        likelyCause: `the network plugin (${world.plugin.name}) enforces part of a default deny (some protocol or some node not covered)`,
      },
    );
  }
  if (!lifted.ok) {
    c.fail('mismatch', `deleting the default deny did not restore every path within ${Math.round(enforcementBoundMs() / 1000)} s`, {
      evidence: tableEvidence(world, allAllowed, lifted),
    });
  }
  c.note(`NetworkPolicy is enforced by ${world.plugin.name}: ${latencyText(latencies)}`);
}

// Runs a dependent case, or skips it with the verdict's reason; a case whose policies select a pod
// on a node where the verdict found no policy holding fails at once with that finding.
export async function dependentCase(c: CheckContext, spec: Parameters<typeof runCase>[2]): Promise<void> {
  const reason = dependentSkipReason();
  if (reason !== undefined) return c.skip(reason);
  const world = await netpolWorld(c);
  const fault = faultyNodes;
  if (fault !== undefined) {
    const drafts = spec.steps.flatMap((step) => step.create ?? []);
    const there = policedPods(drafts, podNodes(world)).filter((p) => fault.nodes.includes(p.node));
    if (there.length > 0) {
      for (const node of new Set(there.map((p) => p.node))) c.track({ kind: 'Node', name: node });
      c.fail(
        'not-enforced',
        `${notEnforcedOnMessage(fault.nodes)} (the enforcement verdict's finding), and this case's policies select ${policedList(there, true)}: failed at once instead of waiting out the bound again; ${fault.enforcer}`,
        {
          evidence: [{ label: 'policies of this case', text: policyText(drafts.map((d) => toNetworkPolicy(d, world.resolver))) }],
          likelyCause: fault.likelyCause,
          origin: fault.origin,
        },
      );
    }
  }
  const measured = await runCase(c, world, spec);
  latencies.push(...measured);
  c.note(`as expected; enforced ${latencyText(measured)}`);
}
