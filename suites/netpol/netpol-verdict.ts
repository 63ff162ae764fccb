// "Is NetworkPolicy enforced at all?", decided once per run on the first lane while the first cases
// run on the others (a default deny in the verdict's x cannot touch another lane's cells): the
// table without policies must be all allowed, then a default deny of ingress into x must change
// it. A deny that changes nothing is ONE failure naming the network plugin; the cases that depend
// on enforcement are then skipped with that sentence instead of failing one by one. A deny that
// holds on some nodes and on none of the pods of others is ONE failure naming those nodes and the
// enforcer there ("not enforced on node2"); a case whose policies select a pod on such a node then
// fails with that reason instead of waiting out the bound (again), and the cases that police only
// pods elsewhere run as usual. A case never reports a failure of its own before the decision: it
// awaits it (gate.ts), and a case still polling when the decision concerns it stops at once.
import type { CheckContext } from '../../helpers/engine/check.ts';
import manifest from './manifest.ts';
import { expectTable } from './model.ts';
import { mismatchLine } from './table.ts';
import { judgeEnforcement, notEnforcedMessage, notEnforcedOnMessage } from './verdict.ts';
import { DEFAULT_DENY_INGRESS, VERDICT_CHECK, type NetpolCase } from './netpol-cases.ts';
import { VerdictDecided, type Decision } from './gate.ts';
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
  type CaseGate,
} from './netpol-run.ts';
import type { NetpolState } from './netpol-state.ts';
import type { World } from './netpol-world.ts';
import type { Polled } from './probe.ts';
import { byNodeText, groupByNode, missingNodes, policedList, policedPods } from './per-node.ts';
import { toNetworkPolicy } from './policy.ts';

const NOT_REACHED = 'the enforcement verdict was not reached';
const NO_PODS = 'the NetworkPolicy pods could not be set up';
const UNREACHABLE = 'pods do not reach each other even without any NetworkPolicy';

// Why the dependent checks cannot run, once the verdict is known (undefined: they can).
export function dependentSkipReason(state: NetpolState): string | undefined {
  const decided = state.gate.known();
  return decided === undefined ? NOT_REACHED : decided.skipReason;
}

// Whether the run's profile and selection chose the verdict (every check when they chose nothing).
function verdictRuns(c: CheckContext): boolean {
  const chosen = c.run.checks?.[manifest.name];
  return chosen === undefined || chosen.includes(VERDICT_CHECK);
}

export async function decideEnforcement(c: CheckContext, state: NetpolState): Promise<void> {
  try {
    await decide(c, state);
  } finally {
    // A verdict that ended without deciding (an error) decides that it was not reached.
    state.gate.decide({ skipReason: NOT_REACHED });
  }
}

async function decide(c: CheckContext, state: NetpolState): Promise<void> {
  const { gate, latencies } = state;
  const built = await state.world(c).catch((error: unknown) => {
    gate.decide({ skipReason: NO_PODS });
    throw error;
  });
  c.evidence('network plugin', `${built.plugin.name}\n${built.plugin.evidence.join('\n')}`);
  c.property('cluster.networkPlugin', built.plugin.name);
  c.log(`network plugin: ${built.plugin.name}; pods ready after ${Math.round(built.setupMs)}ms`);
  await state.onVerdictLane(c, async ({ world }, baseline) => {
    const allAllowed = expectTable(world.model, []);
    if (!baseline.ok) {
      gate.decide({ skipReason: UNREACHABLE });
      unreachable(c, world, baseline);
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
      const reason = notEnforcedMessage(world.plugin.name);
      gate.decide({ skipReason: reason });
      c.fail('not-enforced', reason, {
        evidence: tableEvidence(world, expected, denied),
        likelyCause:
          world.plugin.enforces === false
            ? `${world.plugin.name} does not implement NetworkPolicy: add a policy engine (e.g. Calico in policy-only mode, kube-router --run-firewall) or switch plugin`
            : `nothing enforced a default deny within ${Math.round(enforcementBoundMs(c.run) / 1000)} s: the plugin's policy component is off, crashed, or absent`,
        reproduce: `kubectl -n ${world.resolver.namespaceName('x')} get networkpolicy\n${reproduceCommand(world, denied.mismatches[0], c.run.timeouts.probeMs) ?? ''}`,
      });
    }
    // Decided before the deny is lifted: the cases waiting for it go on (or stop) at once.
    const faultyNodes = verdict === 'partial' || !denied.ok ? await nodeFault(c, world, byNode, 'a default deny of ingress into x') : undefined;
    gate.decide(faultyNodes === undefined ? {} : { fault: faultyNodes });
    // A deny that never matched measured the bound, not a latency.
    if (denied.ok) latencies.push({ what: 'default deny ingress', ms: denied.elapsedMs, stepMs: denied.lastStepMs });
    const lifted = await poll(c, world, allAllowed);
    c.log(`default deny deleted: ${lifted.ok ? 'all allowed again' : 'still blocked'} after ${Math.round(lifted.elapsedMs)}ms (${lifted.steps} table steps)`);
    if (lifted.ok) latencies.push({ what: 'delete default deny', ms: lifted.elapsedMs, stepMs: lifted.lastStepMs });
    if (verdict === 'partial' || !denied.ok) {
      const evidence = [{ label: BY_NODE_LABEL, text: byNodeText(byNode) }, ...tableEvidence(world, expected, denied)];
      if (faultyNodes !== undefined) {
        const reproduce = reproduceCommand(world, faultyNodes.leaked[0], c.run.timeouts.probeMs);
        c.fail(
          'not-enforced',
          `${notEnforcedOnMessage(faultyNodes.nodes)}: ${faultyNodes.detail}, ${Math.round(enforcementBoundMs(c.run) / 1000)} s after it was created; ${faultyNodes.enforcer}`,
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
      c.fail('mismatch', `deleting the default deny did not restore every path within ${Math.round(enforcementBoundMs(c.run) / 1000)} s`, {
        evidence: tableEvidence(world, allAllowed, lifted),
      });
    }
    c.note(`NetworkPolicy is enforced by ${world.plugin.name}: ${latencyText(latencies)}`);
  });
}

// A lane whose pods do not reach each other before any policy exists.
function unreachable(c: CheckContext, world: World, baseline: Polled): never {
  const allAllowed = expectTable(world.model, []);
  const reproduce = reproduceCommand(world, baseline.mismatches[0], c.run.timeouts.probeMs);
  return c.fail(
    'unreachable',
    `without any NetworkPolicy, ${baseline.mismatches.length} of ${allAllowed.size} probes failed: ${mismatchLine(baseline.mismatches[0] ?? { key: '', from: '?', to: '?', port: '?', expected: true, observed: undefined })}`,
    {
      evidence: tableEvidence(world, allAllowed, baseline),
      likelyCause: 'pod-to-pod traffic is broken (CNI routes between nodes, a host firewall, or a stale policy) before any policy of this run exists',
      ...(reproduce === undefined ? {} : { reproduce }),
    },
  );
}

// The pods a case's policies select that run on the nodes of the verdict's finding.
function policedOnFaulty(decision: Decision, spec: NetpolCase, world: World) {
  const fault = decision.fault;
  if (fault === undefined) return [];
  return policedPods(
    spec.steps.flatMap((step) => step.create ?? []),
    podNodes(world),
  ).filter((p) => fault.nodes.includes(p.node));
}

// Whether the decision ends the case: skipped with its reason, or failed with its finding.
const concerns = (decision: Decision, spec: NetpolCase, world: World): boolean =>
  decision.skipReason !== undefined || policedOnFaulty(decision, spec, world).length > 0;

// Skips the case with the decision's reason, or fails it at once when its policies select a pod on
// a node where the verdict found no policy holding; returns when the decision does not concern it.
function applyDecision(c: CheckContext, decision: Decision, spec: NetpolCase, world: World): void {
  if (decision.skipReason !== undefined) return c.skip(decision.skipReason);
  const fault = decision.fault;
  const there = policedOnFaulty(decision, spec, world);
  if (fault === undefined || there.length === 0) return;
  const drafts = spec.steps.flatMap((step) => step.create ?? []);
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

// Runs a dependent case on a free lane, beside the verdict while it runs. Skipped with the
// verdict's reason, or failed at once with its finding, when the verdict is known before the case
// starts; otherwise a mismatch awaits the verdict, and the verdict stops the case when it concerns it.
export async function dependentCase(c: CheckContext, state: NetpolState, spec: NetpolCase): Promise<void> {
  if (!verdictRuns(c)) return c.skip(NOT_REACHED);
  const world = await state.world(c).catch(() => c.skip(NO_PODS));
  const decided = state.gate.known();
  if (decided !== undefined) applyDecision(c, decided, spec, world);
  const stop = state.gate.watch((decision) => concerns(decision, spec, world));
  const gate: CaseGate = { stop, beforeFailing: async () => applyDecision(c, await state.gate.decision, spec, world) };
  const measured = await state
    .onLane(c, stop, async (lane, baseline) => {
      if (!baseline.ok) {
        await gate.beforeFailing();
        unreachable(c, lane.world, baseline);
      }
      return runCase(c, lane.world, spec, gate);
    })
    .catch(async (error: unknown) => {
      // Stopped while waiting for a lane or for its baseline: the decision says how the case ends.
      if (error instanceof VerdictDecided) await gate.beforeFailing();
      throw error;
    });
  state.latencies.push(...measured);
  c.note(`as expected; enforced ${latencyText(measured)}`);
}
