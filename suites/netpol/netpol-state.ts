// The NetworkPolicy suite's state for one run of the suite, a file-scoped fixture: the world (built
// on first use, its failure shared), its lanes and the pool the checks take them from, the
// enforcement verdict's decision, the latencies measured, and whether a check failed. When the
// suite ends, the exec sessions close and, when no check of the suite failed (a failed one's
// namespaces are the run's to keep or remove, as --keep-on-failure says), the deletion of its
// namespaces is requested at once: the namespace controller works on them while other suites run,
// and the run's final cleanup still waits until they are gone.
import { CheckWarning, type CheckContext } from '../../helpers/engine/check.ts';
import { defineFixtures, fixture } from '../../helpers/fixtures/fixture.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { ownedSelector } from '../../helpers/run/labels.ts';
import { namespaceApi, removeNamespaces } from '../../helpers/run/namespaces.ts';
import { verdictGate, type VerdictGate } from './gate.ts';
import { lanePool, type LanePool } from './lanes.ts';
import { expectTable } from './model.ts';
import { poll, type Latency } from './netpol-run.ts';
import { buildWorld, type LanedWorld, type World } from './netpol-world.ts';
import type { Polled } from './probe.ts';

export interface Lane {
  // 0-based; its x is "x<index + 1>".
  index: number;
  world: World;
  // Without any policy, all allowed: polled once, by the lane's first holder.
  baseline?: Promise<Polled>;
}

export interface NetpolState {
  // The world, built on first use; later callers share it (and its failure).
  world(c: CheckContext): Promise<LanedWorld>;
  // Runs body on a free lane (first asked, first served) once the lane's baseline is known; the lane
  // is given back however body ends. `stop` abandons the wait (rejecting with its reason).
  onLane<R>(c: CheckContext, stop: AbortSignal | undefined, body: (lane: Lane, baseline: Polled) => Promise<R>): Promise<R>;
  // The same on the first lane, kept for the enforcement verdict: the cases hold the others (and
  // may wait for its decision while they do), and get this one when the verdict is done with it.
  // The others are built once the verdict's baseline is known (their pods' start-up would slow it).
  onVerdictLane<R>(c: CheckContext, body: (lane: Lane, baseline: Polled) => Promise<R>): Promise<R>;
  readonly gate: VerdictGate;
  readonly latencies: Latency[];
  // Set when a check of the suite ended in a failure.
  failed: boolean;
  // Closes the exec sessions and requests the deletion of the world's namespaces (see above).
  release(): Promise<void>;
}

export function netpolState(): NetpolState {
  let world: Promise<LanedWorld> | undefined;
  let session: KubeSession | undefined;
  let runId = '';
  let lanes: { verdict: Lane; pool: LanePool<Lane>; more(c: CheckContext): void } | undefined;
  const lanesOf = async (c: CheckContext) => {
    const built = await state.world(c);
    if (lanes === undefined) {
      const pool = lanePool<Lane>([]);
      let asked = false;
      // The further lanes, built once asked; each joins the pool when it is ready. One that cannot be
      // built never does: the cases run on the others, and on the verdict's once it is done.
      const more = (asking: CheckContext) => {
        if (asked) return;
        asked = true;
        built.moreLanes().forEach((lane, k) => {
          lane.then(
            (view) => pool.give({ index: k + 1, world: view }),
            (error: unknown) =>
              asking.log(`lane ${k + 2} could not be built, the cases run on the others: ${error instanceof Error ? error.message : String(error)}`),
          );
        });
      };
      lanes = { verdict: { index: 0, world: built }, pool, more };
    }
    return lanes;
  };
  // The lane's baseline, polled by its first holder; one that failed for want of time or by a stop
  // is polled again by the next holder.
  const onBaseline = async <R>(c: CheckContext, lane: Lane, stop: AbortSignal | undefined, body: (lane: Lane, baseline: Polled) => Promise<R>) => {
    const first = lane.baseline === undefined;
    lane.baseline ??= poll(c, lane.world, expectTable(lane.world.model, []), stop);
    const baseline = await lane.baseline.catch((error: unknown) => {
      lane.baseline = undefined;
      throw error;
    });
    const where = `lane ${lane.index + 1} (x = ${lane.world.namespaces.get('x')})`;
    c.log(
      first
        ? `${where} without any policy: ${baseline.ok ? 'all allowed' : 'not all allowed'} after ${Math.round(baseline.elapsedMs)}ms (${baseline.steps} table steps)`
        : `on ${where}`,
    );
    return body(lane, baseline);
  };
  const state: NetpolState = {
    world(c) {
      world ??= (async () => {
        ({ session } = await c.cluster());
        runId = c.run.runId;
        return buildWorld(c);
      })();
      return world;
    },
    async onLane(c, stop, body) {
      const signal = stop === undefined ? c.signal : AbortSignal.any([c.signal, stop]);
      return (await lanesOf(c)).pool.use((lane) => onBaseline(c, lane, stop, body), signal);
    },
    async onVerdictLane(c, body) {
      const { verdict, pool, more } = await lanesOf(c);
      try {
        // The further lanes are built once the verdict's baseline is known.
        return await onBaseline(c, verdict, undefined, (lane, baseline) => {
          more(c);
          return body(lane, baseline);
        });
      } finally {
        more(c);
        pool.give(verdict);
      }
    },
    gate: verdictGate(),
    latencies: [],
    failed: false,
    async release() {
      const built = await world?.catch(() => undefined);
      world = undefined;
      if (built === undefined) return;
      await built.transport.close();
      if (state.failed || session === undefined) return;
      const names = new Set(built.worldNamespaces.values());
      const api = namespaceApi(session.clients);
      try {
        const ours = (await api.list(ownedSelector(runId))).filter((namespace) => names.has(namespace.metadata?.name ?? ''));
        await removeNamespaces(api, ours, { timeoutMs: 0, until: 'requested' });
      } catch {
        // Early only: the run's cleanup deletes them anyway, and says so if it cannot.
      }
    },
  };
  return state;
}

// One state per run of the suite (the suite file's fixture), released after its last check.
export const netpolFixtures = defineFixtures({
  netpol: fixture({ scope: 'file', setup: () => Promise.resolve(netpolState()), teardown: (state) => state.release() }),
});

// Runs a check body with the suite's state; a body that ends in a failure marks the state failed.
export function withState(body: (c: CheckContext, state: NetpolState) => Promise<void>): (c: CheckContext) => Promise<void> {
  return (c) =>
    netpolFixtures.within(c, async (use) => {
      const state = await use('netpol');
      try {
        await body(c, state);
      } catch (error) {
        if (endsAsFailure(error)) state.failed = true;
        throw error;
      }
    });
}

// A check's thrown ending that is a failure: not a skip (vitest's pending error) nor a warning.
function endsAsFailure(error: unknown): boolean {
  if (error instanceof CheckWarning) return false;
  return (error as { code?: unknown } | undefined)?.code !== 'VITEST_PENDING';
}
