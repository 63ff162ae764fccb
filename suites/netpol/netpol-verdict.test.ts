// A case beside the enforcement verdict (netpol-verdict.ts), over a fake lane whose transport
// enforces the policies the case creates (or none of them): a case that matches passes without the
// verdict; one that mismatches awaits the verdict before it reports anything, and is skipped, failed
// with the verdict's finding, or failed on its own as the decision says; one still polling when the
// decision concerns it stops at once.
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../agent/protocol.ts';
import { CheckFailure, CheckWarning, type CheckContext } from '../../helpers/engine/check.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { poll as pollUntil } from '../../helpers/wait/poll.ts';
import { verdictGate, type Decision } from './gate.ts';
import { laneView, namespaceName } from './lanes.ts';
import { CASES, type NetpolCase } from './netpol-cases.ts';
import type { NodeFault } from './netpol-run.ts';
import type { Lane, NetpolState } from './netpol-state.ts';
import { dependentCase } from './netpol-verdict.ts';
import type { LanedWorld, World } from './netpol-world.ts';
import type { TablePod } from './probe.ts';
import { MODEL, worldNamespaces, worldPlacement } from './world-model.ts';

// These tests build three lanes (--netpol-lanes 3); the default is one.
const LANES = 3;

const runId = 'sd-20261122-abcdef';
const caseOf = (id: string): NetpolCase => CASES.find((spec) => spec.id === id) ?? CASES[0]!;

class Skipped extends Error {
  readonly code = 'VITEST_PENDING';
}

interface Harness {
  c: CheckContext;
  state: NetpolState;
  log: string[];
  deleted: string[];
  lanesTaken: number;
}

// `enforcing`: the fake enforces podSelector's a-from-b (x/a admits x/b only) while it exists; else nothing.
function harness(options: { boundMs: number; enforcing: boolean }): Harness {
  const namespaces = new Map(worldNamespaces(MODEL, LANES).map((world) => [world, namespaceName(runId, world)]));
  const pods: TablePod[] = [...worldPlacement(MODEL, LANES, ['node1', 'node2'])].map(([id, node], i) => {
    const [ns = '', name = ''] = id.split('/');
    return { id, ip: `10.244.0.${i + 1}`, address: { name, namespace: namespaceName(runId, ns), ports: { api: 8080 }, token: 't', node } };
  });
  const view = laneView({ model: MODEL, runId, namespaces, pods }, 1);
  const live = new Set<string>();
  const idOf = (namespace: string, name: string) => view.pods.find((p) => p.address.namespace === namespace && p.address.name === name)?.id;
  const xa = view.pods.find((p) => p.id === 'x/a')?.ip;
  const transport = createFakeTransport((agent, target: ProbeTarget) => {
    const from = idOf(agent.namespace, agent.name);
    const blocked = options.enforcing && live.has('a-from-b') && 'host' in target && target.host === xa && from !== 'x/b' && from !== 'x/a';
    return blocked ? { outcome: 'timeout', ms: target.timeoutMs, detail: '' } : { outcome: 'ok', ms: 1, detail: '' };
  });
  const world: World = {
    ...view,
    transport,
    plugin: { name: 'fake', known: true, enforces: true, evidence: [] },
    dnsServer: undefined,
    clusterDomain: 'cluster.local',
    setupMs: 0,
  };
  const laned: LanedWorld = { ...world, moreLanes: () => [], worldNamespaces: namespaces };
  const log: string[] = [];
  const deleted: string[] = [];
  const networking = {
    createNamespacedNetworkPolicy: ({ body }: { body: V1NetworkPolicy }) => Promise.resolve(void live.add(body.metadata?.name ?? '')),
    deleteNamespacedNetworkPolicy: ({ name }: { name: string }) => Promise.resolve(void (live.delete(name), deleted.push(name))),
  };
  const h: Harness = { c: undefined as unknown as CheckContext, state: undefined as unknown as NetpolState, log, deleted, lanesTaken: 0 };
  const lane: Lane = { index: 1, world };
  const baseline = { observed: new Map(), mismatches: [], ok: true, elapsedMs: 0, steps: 1, lastStepMs: 0, flaky: 0 };
  h.state = {
    world: () => Promise.resolve(laned),
    onLane: (_c, stop, body) => {
      stop?.throwIfAborted();
      h.lanesTaken++;
      return body(lane, baseline);
    },
    onVerdictLane: (_c, body) => body(lane, baseline),
    gate: verdictGate(),
    latencies: [],
    failed: false,
    release: () => Promise.resolve(),
  };
  h.c = {
    run: { runId, options: { netpol: { bound: options.boundMs } }, timeouts: { probeMs: 200, checkMs: 60_000 } },
    signal: new AbortController().signal,
    cluster: () => Promise.resolve({ session: { clients: { networking } } }),
    log: (line: string) => void log.push(line),
    evidence: () => undefined,
    note: (line: string) => void log.push(`note: ${line}`),
    property: () => undefined,
    track: (object: unknown) => object,
    warn: (message: string) => {
      throw new CheckWarning(message);
    },
    fail: (classification: string, message: string) => {
      throw new CheckFailure(classification as never, message);
    },
    skip: (reason: string) => {
      throw new Skipped(reason);
    },
  } as unknown as CheckContext;
  return h;
}

const NOT_ENFORCED = "NetworkPolicy is not enforced by this cluster's network plugin: fake";
const FAULT: NodeFault = {
  nodes: ['node2'],
  holding: ['node1'],
  leaked: [],
  detail: 'a default deny of ingress into x held on node1 and on none of node2',
  origin: { dimension: 'target-node', value: 'node2', summary: 'node2', confidence: 'high' },
  enforcer: 'the enforcer on node2 is down',
  likelyCause: 'the enforcer on node2',
};

// Waits (bounded) until the case logged a line containing `text`.
async function logged(h: Harness, text: string): Promise<void> {
  const seen = await pollUntil(
    () => Promise.resolve(h.log.some((line) => line.includes(text))),
    (found) => found,
    { timeoutMs: 10_000, intervalMs: 5 },
  );
  expect(seen.ok, `"${text}" in ${h.log.join(' | ')}`).toBe(true);
}

function running(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  const done = promise.then(
    () => void (state.settled = true),
    (error: unknown) => void ((state.settled = true), (state.error = error)),
  );
  return { state, done };
}

describe('a case beside the enforcement verdict', () => {
  it('that matches passes without waiting for the verdict', async () => {
    const h = harness({ boundMs: 2000, enforcing: true });
    await dependentCase(h.c, h.state, caseOf('podSelector'));
    expect(h.state.gate.known()).toBeUndefined();
    expect(h.log.at(-1)).toMatch(/^note: as expected; enforced \+a-from-b within/);
    expect(h.state.latencies.map((l) => l.what)).toEqual(['+a-from-b', 'delete a-from-b']);
    expect(h.deleted).toEqual(['a-from-b']);
  });

  it('that mismatches awaits the verdict before reporting, then is skipped with its reason when nothing is enforced', async () => {
    const h = harness({ boundMs: 100, enforcing: false });
    const run = running(dependentCase(h.c, h.state, caseOf('podSelector')));
    await logged(h, 'did not match');
    await Promise.resolve();
    expect(run.state.settled).toBe(false);
    h.state.gate.decide({ skipReason: NOT_ENFORCED });
    await run.done;
    expect(run.state.error).toBeInstanceOf(Skipped);
    expect((run.state.error as Error).message).toBe(NOT_ENFORCED);
    // Its policies are gone all the same.
    expect(h.deleted).toEqual(['a-from-b']);
  });

  it('that mismatches fails on its own when the verdict found enforcement (or a fault on nodes it does not police)', async () => {
    for (const decision of [{}, { fault: FAULT }] satisfies Decision[]) {
      const h = harness({ boundMs: 100, enforcing: false });
      const run = running(dependentCase(h.c, h.state, caseOf('podSelector')));
      await logged(h, 'did not match');
      expect(run.state.settled).toBe(false);
      h.state.gate.decide(decision);
      await run.done;
      expect(run.state.error).toBeInstanceOf(CheckFailure);
      expect((run.state.error as CheckFailure).classification).toBe('mismatch');
    }
  });

  it('still polling is stopped at once when the verdict says nothing is enforced', async () => {
    const h = harness({ boundMs: 60_000, enforcing: false });
    const started = performance.now();
    const run = running(dependentCase(h.c, h.state, caseOf('podSelector')));
    await logged(h, 'created NetworkPolicy');
    h.state.gate.decide({ skipReason: NOT_ENFORCED });
    await run.done;
    expect(run.state.error).toBeInstanceOf(Skipped);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(h.deleted).toEqual(['a-from-b']);
  });

  it('whose policies select a pod on the faulty node is stopped and failed with the finding; one policing only other nodes goes on', async () => {
    // denyEgress selects every pod of x, x/b on node2 among them; podSelector only x/a, on node1.
    const egress = harness({ boundMs: 60_000, enforcing: false });
    const stopped = running(dependentCase(egress.c, egress.state, caseOf('denyEgress')));
    await logged(egress, 'created NetworkPolicy');
    egress.state.gate.decide({ fault: FAULT });
    await stopped.done;
    expect(stopped.state.error).toBeInstanceOf(CheckFailure);
    expect((stopped.state.error as CheckFailure).classification).toBe('not-enforced');
    expect((stopped.state.error as Error).message).toMatch(
      /^NetworkPolicy is not enforced on node2 \(the enforcement verdict's finding\), and this case's policies select .*x\/b/,
    );

    const ingress = harness({ boundMs: 2000, enforcing: true });
    ingress.state.gate.decide({ fault: FAULT });
    await dependentCase(ingress.c, ingress.state, caseOf('podSelector'));
    expect(ingress.lanesTaken).toBe(1);
  });

  it('that starts after the decision is skipped, or failed at once, without taking a lane', async () => {
    const skipped = harness({ boundMs: 2000, enforcing: false });
    skipped.state.gate.decide({ skipReason: NOT_ENFORCED });
    await expect(dependentCase(skipped.c, skipped.state, caseOf('podSelector'))).rejects.toBeInstanceOf(Skipped);
    const failed = harness({ boundMs: 2000, enforcing: false });
    failed.state.gate.decide({ fault: FAULT });
    await expect(dependentCase(failed.c, failed.state, caseOf('denyEgress'))).rejects.toMatchObject({ classification: 'not-enforced' });
    expect(skipped.lanesTaken + failed.lanesTaken).toBe(0);
  });
});
