// Lanes of the NetworkPolicy world (world-model.ts): what one lane sees of the world, and the pool
// the cases take lanes from. Lane k sees the model's namespaces with x being its own xk ("x2", its
// own namespace and its own namespace label) and y and z shared; its pods keep the model's ids
// ("x/a" is x2's pod a), so a case's tables, evidence and per-node findings read as without lanes.
// Another lane's x is not in the view: its cells are never asked.
import type { ReachModel } from './model.ts';
import type { Resolver } from './policy.ts';
import type { TablePod } from './probe.ts';
import { worldNamespace } from './world-model.ts';

// The real name of a namespace of the world ("x2" -> "<run>-np-x2").
export const namespaceName = (runId: string, world: string): string => `${runId}-np-${world}`;

// The world as built, by the world's names.
export interface LaneSource {
  model: ReachModel;
  runId: string;
  // "x2" -> "<run>-np-x2", "y" -> "<run>-np-y".
  namespaces: ReadonlyMap<string, string>;
  // Ids by the world's names: "x2/a", "y/b".
  pods: readonly TablePod[];
}

export interface LaneView {
  model: ReachModel;
  // Ids by the model's names: "x/a" (the lane's), "y/b".
  pods: TablePod[];
  // Logical -> real: "x" -> "<run>-np-x2".
  namespaces: Map<string, string>;
  resolver: Resolver;
}

export function laneView(source: LaneSource, lane: number): LaneView {
  const { model, runId } = source;
  const real = (logical: string) => source.namespaces.get(worldNamespace(logical, lane)) ?? namespaceName(runId, worldNamespace(logical, lane));
  const namespaces = new Map(model.namespaces.map((logical) => [logical, real(logical)]));
  const byId = new Map(source.pods.map((pod) => [pod.id, pod]));
  const pods = model.namespaces.flatMap((logical) =>
    model.pods.flatMap((name) => {
      const pod = byId.get(`${worldNamespace(logical, lane)}/${name}`);
      return pod === undefined ? [] : [{ ...pod, id: `${logical}/${name}` }];
    }),
  );
  const ips = new Map(pods.map((pod) => [pod.id, pod.ip]));
  return {
    model,
    pods,
    namespaces,
    resolver: {
      runId,
      namespaceName: real,
      namespaceLabel: (logical) => worldNamespace(logical, lane),
      podIP: (id) => ips.get(id) ?? '',
    },
  };
}

// Lanes handed out one holder at a time, first asked first served.
export interface LanePool<L> {
  // A free lane, or the next one given back; rejects with the signal's reason when it aborts first.
  take(signal?: AbortSignal): Promise<L>;
  give(lane: L): void;
  // Takes a lane, runs body on it, gives it back however body ends.
  use<R>(body: (lane: L) => Promise<R>, signal?: AbortSignal): Promise<R>;
}

export function lanePool<L>(lanes: readonly L[]): LanePool<L> {
  const free = [...lanes];
  const waiting: { give(lane: L): void }[] = [];
  const pool: LanePool<L> = {
    take(signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const lane = free.shift();
      if (lane !== undefined) return Promise.resolve(lane);
      return new Promise<L>((resolve, reject) => {
        const onAbort = () => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal?.reason as Error);
        };
        const waiter = {
          give(given: L) {
            signal?.removeEventListener('abort', onAbort);
            resolve(given);
          },
        };
        waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    give(lane) {
      const next = waiting.shift();
      if (next === undefined) free.push(lane);
      else next.give(lane);
    },
    async use(body, signal) {
      const lane = await pool.take(signal);
      try {
        return await body(lane);
      } finally {
        pool.give(lane);
      }
    },
  };
  return pool;
}
