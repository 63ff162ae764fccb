// Many cases settled in rounds: every case not yet settled is asked once per round (a bounded pool),
// the round's answers are handed over together (so a rule may read across cases: one host's route
// answering gates the others of that host), and the caller says which cases settled. Rounds repeat
// on the poll policy until every case settled or the deadline passes. The per-case rule (N right in a
// row, a difference that stays) belongs to the caller; the asking, pacing and stopping are here.
import pLimit from 'p-limit';
import { poll, type PollPolicy } from './poll.ts';

export interface Answer<C, A> {
  index: number;
  kase: C;
  value: A;
  // `now()` when the answer came.
  at: number;
}

export interface RoundsPolicy extends Pick<PollPolicy, 'intervalMs' | 'signal' | 'now' | 'sleep'> {
  // On `now`'s clock: after a round that ends past it, no more rounds.
  deadline: number;
  // Asks in flight at once (default 8).
  concurrency?: number;
}

export interface RoundsDone {
  rounds: number;
  elapsedMs: number;
  // Per case: settled before the deadline.
  settled: boolean[];
}

export const DEFAULT_CONCURRENCY = 8;

// `take` hears each round's answers and returns the indices of the cases they settled.
export async function settleInRounds<C, A>(
  cases: readonly C[],
  ask: (kase: C, index: number) => Promise<A>,
  take: (answers: readonly Answer<C, A>[]) => Iterable<number>,
  policy: RoundsPolicy,
): Promise<RoundsDone> {
  const now = policy.now ?? (() => performance.now());
  const limit = pLimit(policy.concurrency ?? DEFAULT_CONCURRENCY);
  const settled = cases.map(() => false);
  const pending = () => cases.flatMap((kase, index) => (settled[index] === true ? [] : [{ kase, index }]));
  const round = async (): Promise<number> => {
    const asked = pending();
    if (asked.length === 0) return 0;
    const answers = await Promise.all(asked.map(({ kase, index }) => limit(async () => ({ index, kase, value: await ask(kase, index), at: now() }))));
    for (const index of take(answers)) if (index >= 0 && index < settled.length) settled[index] = true;
    return pending().length;
  };
  const done = await poll(round, (left) => left === 0, {
    deadline: policy.deadline,
    now,
    intervalMs: policy.intervalMs,
    signal: policy.signal,
    sleep: policy.sleep,
  });
  return { rounds: done.attempts, elapsedMs: done.elapsedMs, settled };
}
