// Probing a truth table on the engine's one reachability engine (helpers/probe/reach.ts): every
// cell of the model (source pod x target pod x port) becomes a Cell expecting "answered" or
// "blocked", probed one batch per source pod per round, sources in a bounded pool. Workers report,
// never throw: a source that cannot be asked leaves its cells "?" with the reason.
//
// pollTable() is reach() with netpol's poll policy: rounds until the observed table matches the
// expected one, an interval growing from 100 ms by x1.5 up to 1 s between rounds (a round over the
// live exec sessions costs no API request; the interval keeps a failing transport from spinning),
// the enforcement bound as the deadline, then the whole table once more with full timeouts before
// a mismatch counts. It says how long matching took (the enforcement latency), in how many rounds,
// and the common origin of what still mismatches. The truth-table rendering stays netpol's (table.ts).
import type { ProbeTarget } from '../../agent/protocol.ts';
import { EXPECT } from '../../helpers/probe/expectations.ts';
import { originOf, probeRound, reach, type Cell, type ObservedCell, type PollPolicy } from '../../helpers/probe/reach.ts';
import type { Origin } from '../../helpers/result.ts';
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

// Rounds over the long-lived exec sessions: start fast (enforcement latency is measured by them),
// back off to 1 s. The deadline is the enforcement bound, set per poll.
export const NETPOL_POLL: Omit<PollPolicy, 'deadlineMs' | 'quickTimeoutMs'> = { intervalMs: 100, backoff: 1.5, maxIntervalMs: 1000, concurrency: 9 };

export function targetOf(to: TablePod, port: { protocol: 'TCP' | 'UDP'; port: number }, timeoutMs: number, id: string): ProbeTarget {
  return { id, kind: port.protocol === 'TCP' ? 'tcp' : 'udp', host: to.ip, port: port.port, payload: 'netpol', timeoutMs };
}

interface TableCells {
  cells: Cell[];
  // The model's key of each cell, in the same order.
  keys: string[];
  // Model keys with no pod for their source or target.
  missing: string[];
}

// The model as cells. Allowed cells wait `allowedMs` (polling shortens them to the quick timeout);
// blocked cells `blockedMs`: a path that works answers in milliseconds.
export function tableCells(model: ReachModel, pods: readonly TablePod[], expected: Truth, timeouts: { allowedMs: number; blockedMs: number }): TableCells {
  const byId = new Map(pods.map((pod) => [pod.id, pod]));
  const out: TableCells = { cells: [], keys: [], missing: [] };
  for (const probe of probesOf(model)) {
    const key = cellKey(probe.from, probe.to, probe.port);
    const source = byId.get(probe.from);
    const to = byId.get(probe.to);
    if (source === undefined || to === undefined) {
      out.missing.push(key);
      continue;
    }
    const allowed = expected.get(key) ?? true;
    out.keys.push(key);
    out.cells.push({
      source: source.address,
      row: probe.from,
      column: `${probe.to} ${portLabel(probe.port)}`,
      target: targetOf(to, probe.port, allowed ? timeouts.allowedMs : timeouts.blockedMs, `${probe.to} ${portLabel(probe.port)}`),
      expect: allowed ? EXPECT.answered : EXPECT.blocked,
      facets: {
        'source-node': source.address.node ?? '',
        'target-node': to.address.node ?? '',
        'source-namespace': probe.from.split('/')[0] ?? '',
        'target-namespace': probe.to.split('/')[0] ?? '',
        port: portLabel(probe.port),
        protocol: probe.port.protocol,
      },
    });
  }
  return out;
}

function observedOf(table: TableCells, cells: readonly ObservedCell[]): Observed {
  const observed: Observed = new Map();
  cells.forEach((cell, i) => observed.set(table.keys[i] ?? '', { result: cell.result, ...(cell.error === undefined ? {} : { error: cell.error }) }));
  for (const key of table.missing) observed.set(key, { result: undefined, error: `no pod for ${key.split('>')[0]} or its target` });
  return observed;
}

const perSource = (model: ReachModel) => model.namespaces.length * model.pods.length * model.ports.length;

// One full table step: every source probes every target on every port, once.
export async function probeTable(transport: ProbeTransport, model: ReachModel, pods: readonly TablePod[], options: StepOptions): Promise<Observed> {
  const table = tableCells(model, pods, new Map(), { allowedMs: options.timeoutMs, blockedMs: options.timeoutMs });
  const cells = await probeRound(transport, table.cells, {
    policy: { concurrency: options.concurrency ?? NETPOL_POLL.concurrency, perSource: perSource(model) },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return observedOf(table, cells);
}

export interface Polled {
  observed: Observed;
  mismatches: Mismatch[];
  ok: boolean;
  // From the start of polling to the end of the first matching round (or of the re-probe).
  elapsedMs: number;
  steps: number;
  // Wall time of the last round.
  lastStepMs: number;
  // Cells that mismatched while polling but held on the final re-probe.
  flaky: number;
  // What the remaining mismatches share (one source node, one port, one direction...), if anything.
  origin?: Origin;
}

export interface PollOptions {
  boundMs: number;
  // Probe timeout while polling (short: a blocked cell costs this much), and for the final judged round.
  pollTimeoutMs: number;
  finalTimeoutMs: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

// Times each round: a round is one probe() call per source, so the last round spans the last calls.
function timedTransport(transport: ProbeTransport, now: () => number): { transport: ProbeTransport; spans: { start: number; end: number }[] } {
  const spans: { start: number; end: number }[] = [];
  return {
    spans,
    transport: {
      ...transport,
      kind: transport.kind,
      async probe(agent, targets, options) {
        const span = { start: now(), end: 0 };
        spans.push(span);
        try {
          return await transport.probe(agent, targets, options);
        } finally {
          span.end = now();
        }
      },
      info: (agent, options) => transport.info(agent, options),
      setReady: (agent, ready) => transport.setReady(agent, ready),
      close: () => transport.close(),
    },
  };
}

export async function pollTable(
  transport: ProbeTransport,
  model: ReachModel,
  pods: readonly TablePod[],
  expected: Truth,
  options: PollOptions,
): Promise<Polled> {
  const now = options.now ?? (() => performance.now());
  const table = tableCells(model, pods, expected, { allowedMs: options.finalTimeoutMs, blockedMs: options.pollTimeoutMs });
  const timed = timedTransport(transport, now);
  const run = await reach(timed.transport, table.cells, {
    policy: { ...NETPOL_POLL, deadlineMs: options.boundMs, quickTimeoutMs: options.pollTimeoutMs, perSource: perSource(model) },
    now,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const observed = observedOf(table, run.cells);
  const mismatches = compare(model, expected, observed);
  const sources = new Set(table.cells.map((cell) => (typeof cell.source === 'string' ? cell.source : `${cell.source.namespace}/${cell.source.name}`))).size;
  const last = timed.spans.slice(-sources);
  const lastStepMs = last.length === 0 ? 0 : Math.max(...last.map((s) => s.end)) - Math.min(...last.map((s) => s.start));
  const origin = mismatches.length > 0 ? originOf(run) : undefined;
  return {
    observed,
    mismatches,
    ok: mismatches.length === 0,
    elapsedMs: run.elapsedMs,
    steps: run.rounds,
    lastStepMs,
    flaky: run.flaky.length,
    ...(origin === undefined ? {} : { origin }),
  };
}
