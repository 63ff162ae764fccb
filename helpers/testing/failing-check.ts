// A check context for unit tests of check code that only fails: c.fail records what the check
// reported (classification, message, details with its origin) and throws, as the real one does.
import type { CheckContext, FailureDetails } from '../engine/check.ts';

export interface RecordedFailure {
  classification: string;
  message: string;
  details: FailureDetails;
}

export type FailingCheck = CheckContext & { failure?: RecordedFailure };

export function failingCheck(): FailingCheck {
  const ctx = {
    fail(classification: string, message: string, details: FailureDetails = {}) {
      ctx.failure = { classification, message, details };
      throw new Error(message);
    },
  } as unknown as FailingCheck;
  return ctx;
}
