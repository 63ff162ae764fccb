// Probing a truth table through the agents' batch API: one batch per source pod (every target x
// port of the model in one call), sources in a bounded pool. Workers report, never throw: a
// source that cannot be asked leaves its cells "?" with the reason. pollTable() probes until the
// observed table matches the expected one and says how long that took (the enforcement latency);
// when the bound is spent, the table is probed once more with full timeouts and that is judged.
import pLimit from 'p-limit';
import type { ProbeTarget } from '../../agent/protocol.ts';
import { eventually } from '../../helpers/objects/eventually.ts';
import type { AgentAddress, ProbeTransport } from '../../helpers/transport/transport.ts';
import { cellKey, portLabel, probesOf, type ReachModel, type Truth } from './model.ts';
import { compare, type Mismatch, type Observed } from './table.ts';

export interface TablePod {
  // The model's id, "x/a".
  id: string;
  ip: string;
  address: AgentAddress;
}

export interface StepOptions {
  timeoutMs: number;
  concurrency?: number;
  signal?: AbortSignal;
}

export function targetOf(to: TablePod, port: { protocol: 'TCP' | 'UDP'; port: number }, timeoutMs: number, id: string): ProbeTarget {
  return { id, kind: port.protocol === 'TCP' ? 'tcp' : 'udp', host: to.ip, port: port.port, payload: 'netpol', timeoutMs };
}

// One full table step: every source probes every target on every port, once.
export async function probeTable(transport: ProbeTransport, model: ReachModel, pods: readonly TablePod[], options: StepOptions): Promise<Observed> {
  const byId = new Map(pods.map((pod) => [pod.id, pod]));
  const bySource = Map.groupBy(probesOf(model), (probe) => probe.from);
  const limit = pLimit(options.concurrency ?? 9);
  const observed: Observed = new Map();
  await Promise.all(
    [...bySource].map(([from, probes]) =>
      limit(async () => {
        const source = byId.get(from);
        const keys = probes.map((p) => cellKey(p.from, p.to, p.port));
        const targets = probes.flatMap((p) => {
          const to = byId.get(p.to);
          return to === undefined ? [] : [targetOf(to, p.port, options.timeoutMs, `${p.to} ${portLabel(p.port)}`)];
        });
        if (source === undefined || targets.length !== probes.length) {
          for (const key of keys) observed.set(key, { result: undefined, error: `no pod for ${from} or one of its targets` });
          return;
        }
        try {
          const response = await transport.probe(source.address, targets, { concurrency: targets.length, ...(options.signal === undefined ? {} : { signal: options.signal }) });
          keys.forEach((key, i) => observed.set(key, { result: response.results[i] }));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          for (const key of keys) observed.set(key, { result: undefined, error: message });
        }
      }),
    ),
  );
  return observed;
}

export interface Polled {
  observed: Observed;
  mismatches: Mismatch[];
  ok: boolean;
  // From the start of polling to the end of the first matching step (or of the last step).
  elapsedMs: number;
  steps: number;
  // Wall time of the last step.
  lastStepMs: number;
}

export interface PollOptions {
  boundMs: number;
  // Probe timeout while polling (short: a blocked cell costs this much), and for the final judged step.
  pollTimeoutMs: number;
  finalTimeoutMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

export async function pollTable(step: (timeoutMs: number) => Promise<Observed>, model: ReachModel, expected: Truth, options: PollOptions): Promise<Polled> {
  const now = options.now ?? (() => performance.now());
  let lastStepMs = 0;
  const timed = async (timeoutMs: number) => {
    const started = now();
    const observed = await step(timeoutMs);
    lastStepMs = now() - started;
    return observed;
  };
  const polled = await eventually(() => timed(options.pollTimeoutMs), (observed) => compare(model, expected, observed).length === 0, {
    timeoutMs: options.boundMs,
    intervalMs: 0,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    now,
    sleep: async () => {},
  });
  if (polled.ok) return { observed: polled.value, mismatches: [], ok: true, elapsedMs: polled.elapsedMs, steps: polled.attempts, lastStepMs };
  // The whole table once more, with full timeouts, before a mismatch counts.
  const started = now();
  const last = await timed(options.finalTimeoutMs);
  const mismatches = compare(model, expected, last);
  return { observed: last, mismatches, ok: mismatches.length === 0, elapsedMs: polled.elapsedMs + (now() - started), steps: polled.attempts + 1, lastStepMs };
}
