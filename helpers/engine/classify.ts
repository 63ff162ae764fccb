// The one place a thrown error becomes a failure's classification, message and likely cause. The
// check's worker calls it for what a check body throws; the engine's adapter calls it only for what
// the worker never saw (vitest's own timeout, a crash between checks). An explicit c.fail() or
// c.warn() carries its own classification and never comes here.
import type { Classification } from '../result.ts';

// An Error, or its serialized form as vitest reports it (name and message survive, the class does not).
export interface ErrorLike {
  name?: string;
  message?: string;
  agent?: unknown;
  via?: unknown;
}

export interface Classified {
  classification: Classification;
  message: string;
  likelyCause?: string;
}

const VITEST_TIMEOUT = /timed out in \d+ms/i;

export function classifyError(error: unknown): Classified {
  const like: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : { message: String(error) };
  const text = like.message ?? String(error);
  const first = firstLine(text);
  if (VITEST_TIMEOUT.test(text)) {
    return {
      classification: 'timeout',
      message: `the check did not finish in time (${first})`,
      likelyCause: 'a probe or an API call hung; the log shows the last step reached',
    };
  }
  // An expect() that did not hold compares what was wanted with what was seen.
  if (like.name === 'AssertionError') return { classification: 'mismatch', message: first };
  if (like.name === 'TransportError' && typeof like.agent === 'string') {
    return {
      classification: 'error',
      message: first,
      likelyCause: `the probe agent ${like.agent} could not be asked${typeof like.via === 'string' ? ` (${like.via})` : ''}; the check could not observe anything`,
    };
  }
  return { classification: 'error', message: first };
}

export function firstLine(text: string | undefined): string {
  return (text ?? 'failed without an error').split('\n', 1)[0] ?? '';
}
