// The one reachability engine. A check states cells (source x target, each with an Expectation and
// facets describing it); reach() probes them and judges every result in the runner.
//
//   const run = await reach(transport, cells, { signal });   // probe, poll, re-probe once, judge
//   if (run.mismatches.length > 0) failReach(c, run, { what: 'Service probes' });   // names the origin
//
// - Cell: { source (an agent, or RUNNER for this machine), row, column (table labels), target (a
//   ProbeTarget), expect (expectations.ts), facets ({ 'source-node', 'target-node', server, port,
//   protocol, payload, direction, ... }: what origin.ts compares), reproduce? (a command; derived
//   from the target when absent) }.
// - Probing: one batch per source agent per round (not one call per probe), sources in a bounded
//   pool (p-limit). Workers report, never throw: a source that cannot be asked marks its cells "?"
//   with the transport's error.
// - One poll policy (POLL): rounds with short probe timeouts for cells that expect an answer, an
//   interval growing by `backoff` up to `maxIntervalMs`, until every cell holds or `deadlineMs`;
//   then, if anything mismatched, the whole table is probed once more with the targets' own
//   timeouts, and only what mismatches then counts (what cleared is reported as flaky).
// - Failure: expected / observed / difference tables ("." as expected or reached, "X" mismatch or
//   blocked, "?" unknown), one line per mismatching cell with its reproduce command, and the common
//   origin of the mismatches (findOrigin) with what the healthy cells prove.
import pLimit from 'p-limit';
import type { ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import type { CheckContext } from '../engine/check.ts';
import { AGENT_CONTAINER } from '../fleet/manifests.ts';
import type { Evidence, Origin } from '../result.ts';
import type { AgentAddress, ProbeTransport } from '../transport/transport.ts';
import { expectedSymbol, judge, symbolOf, type Expectation, type Judgement } from './expectations.ts';
import { findOrigin, type OriginOptions } from './origin.ts';
import { probeTargetFromRunner } from './runner-probe.ts';

export const RUNNER = 'runner' as const;

export interface Cell {
  source: AgentAddress | typeof RUNNER;
  row: string;
  column: string;
  target: ProbeTarget;
  expect: Expectation;
  facets: Readonly<Record<string, string>>;
  reproduce?: string;
}

export interface ObservedCell extends Cell {
  result: ProbeResult | undefined;
  // Why the source could not be asked, when it could not.
  error?: string;
  judgement: Judgement;
}

export interface PollPolicy {
  // Poll until every cell holds or this much time has passed (0: one round, then the re-probe).
  deadlineMs: number;
  intervalMs: number;
  backoff: number;
  maxIntervalMs: number;
  // While polling, cells that expect an answer give up after this long: an unprogrammed path only times out.
  quickTimeoutMs: number;
  // Sources probed at once.
  concurrency: number;
  // Probes one agent runs at once.
  perSource?: number;
}

export const POLL: PollPolicy = { deadlineMs: 15_000, intervalMs: 200, backoff: 1.5, maxIntervalMs: 1000, quickTimeoutMs: 600, concurrency: 8 };

export interface ReachOptions {
  policy?: Partial<PollPolicy>;
  signal?: AbortSignal;
  log?: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  // How the runner itself probes (default: HTTP with undici; other kinds are not supported from the runner).
  runner?: (target: ProbeTarget, signal?: AbortSignal) => Promise<ProbeResult>;
}

export interface ReachRun {
  cells: ObservedCell[];
  mismatches: ObservedCell[];
  // Cells that mismatched in the last poll round but held on the final re-probe.
  flaky: ObservedCell[];
  rounds: number;
  // Until every cell held (or the final re-probe ended).
  elapsedMs: number;
}

const sourceName = (cell: Cell) => (cell.source === RUNNER ? RUNNER : `${cell.source.namespace}/${cell.source.name}`);

async function runnerProbe(target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  if (target.kind !== 'http') return { id: target.id, kind: target.kind, outcome: 'error', ms: 0, detail: `the runner probes HTTP only, not ${target.kind}` };
  return probeTargetFromRunner(target, signal);
}

// One round: every cell probed once, judged.
export async function probeRound(transport: ProbeTransport, cells: readonly Cell[], options: ReachOptions & { quick?: boolean } = {}): Promise<ObservedCell[]> {
  const policy = { ...POLL, ...options.policy };
  const indexed = cells.map((cell, index) => ({ cell, index }));
  const bySource = Map.groupBy(indexed, ({ cell }) => sourceName(cell));
  const limit = pLimit(policy.concurrency);
  const out: ObservedCell[] = new Array<ObservedCell>(cells.length);
  const targetOf = (cell: Cell, index: number): ProbeTarget => {
    const quick = options.quick === true && cell.expect.answer === 'answered' ? Math.min(cell.target.timeoutMs, policy.quickTimeoutMs) : cell.target.timeoutMs;
    return { ...cell.target, id: `c${index}`, timeoutMs: quick };
  };
  const record = (cell: Cell, index: number, result: ProbeResult | undefined, error?: string) => {
    out[index] = { ...cell, result, ...(error === undefined ? {} : { error }), judgement: judge(cell.expect, result, cell.target, error) };
  };
  await Promise.all(
    [...bySource.values()].map((group) =>
      limit(async () => {
        const source = group[0]?.cell.source;
        if (source === undefined) return;
        if (source === RUNNER) {
          const probe = options.runner ?? runnerProbe;
          const runnerLimit = pLimit(policy.perSource ?? 16);
          await Promise.all(group.map(({ cell, index }) => runnerLimit(async () => record(cell, index, await probe(targetOf(cell, index), options.signal)))));
          return;
        }
        try {
          const response = await transport.probe(
            source,
            group.map(({ cell, index }) => targetOf(cell, index)),
            {
              ...(options.signal === undefined ? {} : { signal: options.signal }),
              ...(policy.perSource === undefined ? {} : { concurrency: policy.perSource }),
            },
          );
          group.forEach(({ cell, index }, i) => record(cell, index, response.results[i]));
        } catch (error) {
          options.signal?.throwIfAborted();
          const message = error instanceof Error ? error.message : String(error);
          for (const { cell, index } of group) record(cell, index, undefined, message);
        }
      }),
    ),
  );
  return out;
}

// Probes the cells until they all hold or the policy's deadline passes, then (if anything
// mismatched) the whole table once more with full timeouts; only those mismatches count.
export async function reach(transport: ProbeTransport, cells: readonly Cell[], options: ReachOptions = {}): Promise<ReachRun> {
  const policy = { ...POLL, ...options.policy };
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  let interval = policy.intervalMs;
  let last: ObservedCell[] = [];
  let rounds = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    last = await probeRound(transport, cells, { ...options, quick: true });
    rounds++;
    if (last.every((cell) => cell.judgement.ok)) {
      options.log?.(`${cells.length} cells as expected after ${Math.round(now() - started)}ms, ${rounds} round(s)`);
      return { cells: last, mismatches: [], flaky: [], rounds, elapsedMs: now() - started };
    }
    if (now() - started >= policy.deadlineMs) break;
    await sleep(interval);
    interval = Math.min(policy.maxIntervalMs, interval * policy.backoff);
  }
  const final = await probeRound(transport, cells, options);
  rounds++;
  const mismatches = final.filter((cell) => !cell.judgement.ok);
  const flaky = last.filter((cell, i) => !cell.judgement.ok && final[i]?.judgement.ok === true);
  options.log?.(`${mismatches.length} of ${cells.length} cells still not as expected after ${Math.round(now() - started)}ms, ${rounds} round(s)`);
  return { cells: final, mismatches, flaky, rounds, elapsedMs: now() - started };
}

function table(cells: readonly ObservedCell[], symbol: (cell: ObservedCell) => string): string {
  const rows = [...new Set(cells.map((cell) => cell.row))];
  const columns = [...new Set(cells.map((cell) => cell.column))];
  const rowWidth = Math.max(0, ...rows.map((s) => s.length));
  const widths = columns.map((t) => Math.max(1, t.length));
  const lines = [`${' '.repeat(rowWidth)}  ${columns.map((t, i) => t.padEnd(widths[i] ?? 1)).join(' ')}`.trimEnd()];
  for (const row of rows) {
    const line = columns.map((column, i) => {
      const cell = cells.find((c) => c.row === row && c.column === column);
      return (cell === undefined ? ' ' : symbol(cell)).padEnd(widths[i] ?? 1);
    });
    lines.push(`${row.padEnd(rowWidth)}  ${line.join(' ')}`.trimEnd());
  }
  return lines.join('\n');
}

export const renderExpected = (cells: readonly ObservedCell[]): string => table(cells, (cell) => expectedSymbol(cell.expect));
export const renderObserved = (cells: readonly ObservedCell[]): string => table(cells, (cell) => (cell.error === undefined ? symbolOf(cell.result) : '?'));
// "." where the cell held, "X" where it did not, "?" where it could not be observed.
export const renderDifference = (cells: readonly ObservedCell[]): string =>
  table(cells, (cell) => (cell.judgement.ok ? '.' : cell.error !== undefined || cell.result === undefined ? '?' : 'X'));

// A command that sends the cell's probe by hand: from inside the source pod (node is in the agent's
// image), or with curl from this machine.
export function reproduceCell(cell: Cell): string {
  if (cell.reproduce !== undefined) return cell.reproduce;
  const t = cell.target;
  const secs = Math.max(1, Math.ceil(t.timeoutMs / 1000));
  if (cell.source === RUNNER) return t.kind === 'http' ? `curl -sS -m ${secs} ${t.url}` : `# ${t.kind} from the runner`;
  const exec = `kubectl -n ${cell.source.namespace} exec ${cell.source.name} -c ${AGENT_CONTAINER} -- node -e`;
  switch (t.kind) {
    case 'http':
      return `${exec} 'fetch(${JSON.stringify(t.url)},{signal:AbortSignal.timeout(${t.timeoutMs})}).then(async r=>console.log(r.status,await r.text()),e=>console.log(e.cause?.code??e.name))'`;
    case 'tcp':
      return `${exec} 'const s=require("net").connect({host:${JSON.stringify(t.host)},port:${t.port}});s.setTimeout(${t.timeoutMs});s.on("connect",()=>s.write("hi\\n")).on("data",d=>{console.log(String(d));s.destroy()}).on("timeout",()=>{console.log("timeout");s.destroy()}).on("error",e=>console.log(e.code))'`;
    case 'udp':
      return `${exec} 'const s=require("dgram").createSocket(${JSON.stringify(t.host)}.includes(":")?"udp6":"udp4");const x=setTimeout(()=>{console.log("no reply (timeout)");s.close()},${t.timeoutMs});s.on("message",m=>{console.log("reply "+m);clearTimeout(x);s.close()});s.send("hi",${t.port},${JSON.stringify(t.host)})'`;
    case 'dns':
      return `${exec} 'const r=new (require("dns").promises.Resolver)({timeout:${t.timeoutMs},tries:1});r.setServers([${JSON.stringify(`${t.server}${t.port === undefined ? '' : `:${t.port}`}`)}]);r.resolve(${JSON.stringify(t.name)},${JSON.stringify(t.type)}).then(a=>console.log(JSON.stringify(a)),e=>console.log(e.code))'  # over ${t.transport}`;
    case 'tls':
      return `${exec} 'const s=require("tls").connect({host:${JSON.stringify(t.host)},port:${t.port},rejectUnauthorized:false${t.servername === undefined ? '' : `,servername:${JSON.stringify(t.servername)}`}},()=>{const c=s.getPeerX509Certificate();console.log(c?.toString()??"no certificate");s.destroy()});s.setTimeout(${t.timeoutMs},()=>{console.log("timeout");s.destroy()});s.on("error",e=>console.log(e.code))'`;
  }
}

export function mismatchLines(cells: readonly ObservedCell[]): string[] {
  return cells
    .filter((cell) => !cell.judgement.ok)
    .map((cell) => `${cell.row} -> ${cell.column}: expected ${cell.judgement.expected}, saw ${cell.judgement.observed}\n    ${reproduceCell(cell)}`);
}

// The common origin of the mismatching cells, from their facets.
export function originOf(run: Pick<ReachRun, 'cells'>, options: OriginOptions = {}): Origin | undefined {
  return findOrigin(
    run.cells.map((cell) => ({ ok: cell.judgement.ok, facets: cell.facets, seen: cell.judgement.ok ? 'ok' : (cell.result?.outcome ?? 'not observed') })),
    options,
  );
}

export function reachEvidence(run: Pick<ReachRun, 'cells' | 'flaky'>): Evidence[] {
  return [
    { label: 'expected', text: renderExpected(run.cells) },
    { label: 'observed', text: renderObserved(run.cells) },
    { label: 'difference (. as expected, X mismatch, ? unknown)', text: renderDifference(run.cells) },
    { label: 'mismatches (expected, seen, how to reproduce)', text: mismatchLines(run.cells).join('\n') },
    ...(run.flaky.length > 0
      ? [{ label: 'cleared only on the re-probe', text: run.flaky.map((cell) => `${cell.row} -> ${cell.column}: ${cell.judgement.observed}`).join('\n') }]
      : []),
  ];
}

export interface ReachFailure {
  // What the cells are, plural: "Service probes".
  what: string;
  // Likely causes by origin; the origin's summary always leads.
  likelyCause?: (origin: Origin | undefined, run: ReachRun) => string | undefined;
  // More evidence (the Service's endpoints, ...), read only when the check fails.
  evidence?: () => Promise<Evidence[]>;
  origin?: OriginOptions;
  // The layer below, judged when the failures have an origin (helpers/pod-path/layer-below.ts):
  // when it fails, its finding replaces the origin and the cause; when it passes, the cause says so.
  // Without an origin it is asked too (undefined): failures that share nothing may share the pod network.
  below?: (origin: Origin | undefined) => Promise<BelowVerdict | undefined>;
}

export type BelowVerdict =
  { below: 'fails'; origin: Origin; likelyCause: string; evidence: Evidence[] } | { below: 'passes'; ruledOut: string; evidence: Evidence[] };

// Nothing when every cell held; otherwise fails the check with the tables, a reproduce command for
// every mismatching cell, and the origin the mismatches share.
export async function failReach(c: CheckContext, run: ReachRun, failure: ReachFailure): Promise<void> {
  if (run.mismatches.length === 0) return;
  const seenOrigin = originOf(run, failure.origin);
  const [first] = run.mismatches;
  const classification = first?.judgement.classification ?? 'error';
  const below =
    failure.below === undefined
      ? undefined
      : await failure.below(seenOrigin).catch((error: unknown) => ({
          below: 'passes' as const,
          ruledOut: '',
          evidence: [{ label: 'the layer below', text: `not probed: ${(error as Error).message}` }],
        }));
  const origin = below?.below === 'fails' ? below.origin : seenOrigin;
  // When the layer below fails, what was seen leads without the conclusion drawn above it.
  const observed = below?.below === 'fails' ? originOf(run, { ...failure.origin, conclude: () => undefined }) : seenOrigin;
  const lead =
    observed === undefined ? `${first?.row} -> ${first?.column}: expected ${first?.judgement.expected}, saw ${first?.judgement.observed}` : observed.summary;
  const message = `${run.mismatches.length} of ${run.cells.length} ${failure.what} not as expected, twice: ${lead}${below?.below === 'fails' ? `; ${below.origin.summary}` : ''}`;
  const extra =
    failure.evidence === undefined
      ? []
      : await failure.evidence().catch((error: unknown) => [{ label: 'evidence', text: `cannot read: ${(error as Error).message}` }]);
  const above = failure.likelyCause?.(seenOrigin, run);
  const cause =
    below?.below === 'fails'
      ? below.likelyCause
      : below?.below === 'passes' && below.ruledOut !== ''
        ? [above, below.ruledOut].filter((part) => part !== undefined).join('; ')
        : above;
  c.fail(classification, message, {
    evidence: [...reachEvidence(run), ...(below?.evidence ?? []), ...extra],
    ...(origin === undefined ? {} : { origin }),
    ...(cause === undefined ? {} : { likelyCause: cause }),
    ...(first === undefined ? {} : { reproduce: reproduceCell(first) }),
  });
}
