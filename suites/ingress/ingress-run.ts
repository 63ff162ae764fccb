// Runs a route table until it settles: every case is asked in rounds (the engine's settleInRounds,
// a bounded pool), and a case settles at its third right answer in a row once its host's routes
// answer (the propagation time is from the apply to the first of those three). A dialect case that
// stays different (the same answer 3 times in a row, at least GRACE_MS after its host answered)
// settles as a difference; a spec case keeps being asked until the bound, unless its answer is a
// known deviation of the controller. Probers report, never throw; a fake one serves the unit tests.
import { settleInRounds } from '../../helpers/wait/rounds.ts';
import type { RequestCase, RouteTable } from './ingress-cases.ts';
import { advance, backendOf, describeSeen, judge, type BackendPods, type Row, type Seen, type Streak } from './ingress-table.ts';

export const GRACE_MS = 5000;
const INTERVAL_MS = 250;
const POOL = 8;
const SAME_IN_A_ROW = 3;

export type Prober = (kase: RequestCase) => Promise<Seen>;

export interface RunOptions {
  domain: string;
  pods: BackendPods;
  // When the objects were applied and when the table must be settled (on `now`'s clock).
  appliedAt: number;
  deadline: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  scheme?: 'http' | 'https';
  // A spec case answered this way is a known deviation of the controller: it settles like a
  // dialect difference instead of being asked until the bound.
  known?: (kase: RequestCase, seen: Seen) => boolean;
}

interface State {
  streak: Streak;
  same: number;
  lastText?: string;
  differsAt?: number;
}

const gateOf = (kase: RequestCase) => (kase.after ?? kase.host).toLowerCase();

function routes(seen: Seen, pods: BackendPods): boolean {
  return backendOf(seen, pods) !== undefined || (seen.status !== undefined && seen.status >= 300 && seen.status < 400 && seen.location !== undefined);
}

export async function runTable(table: RouteTable, probe: Prober, options: RunOptions): Promise<Row[]> {
  const states: State[] = table.requests.map(() => ({ streak: { run: 0 }, same: 0 }));
  const programmedAt = new Map<string, number>();
  const settled = (s: State) => s.streak.settledMs !== undefined || s.differsAt !== undefined;
  await settleInRounds(
    table.requests,
    (kase) => probe(kase),
    (answers) => {
      for (const { kase, value: seen, at } of answers)
        if (routes(seen, options.pods) && !programmedAt.has(kase.host.toLowerCase())) programmedAt.set(kase.host.toLowerCase(), at);
      for (const { kase, index, value: seen, at } of answers) {
        const state = states[index] as State;
        const verdict = judge(kase, seen, options.pods, options.domain, options.scheme);
        const gate = programmedAt.get(gateOf(kase));
        const text = describeSeen(seen, options.pods);
        state.same = text === state.lastText ? state.same + 1 : 1;
        state.lastText = text;
        if (gate === undefined) {
          state.streak = { run: 0, last: verdict, lastSeen: seen };
          continue;
        }
        state.streak = advance(state.streak, verdict, seen, at - options.appliedAt);
        if (!verdict.ok && (kase.level === 'dialect' || options.known?.(kase, seen) === true) && state.same >= SAME_IN_A_ROW && at - gate >= GRACE_MS)
          state.differsAt = at;
      }
      return answers.filter(({ index }) => settled(states[index] as State)).map(({ index }) => index);
    },
    { deadline: options.deadline, intervalMs: INTERVAL_MS, concurrency: POOL, now: options.now, sleep: options.sleep, signal: options.signal },
  );
  return table.requests.map((kase, i) => {
    const state = states[i] as State;
    const verdict = state.streak.last ?? { ok: false, expected: '', seen: 'never asked' };
    const settledOk = state.streak.settledMs !== undefined;
    return {
      kase,
      ...(state.streak.lastSeen === undefined ? {} : { seen: state.streak.lastSeen }),
      verdict: settledOk
        ? verdict
        : { ...verdict, ok: false, ...(verdict.ok ? { seen: `${verdict.seen} (right only ${state.streak.run} time(s) in a row)` } : {}) },
      ...(settledOk ? { settledMs: state.streak.settledMs } : {}),
    };
  });
}
