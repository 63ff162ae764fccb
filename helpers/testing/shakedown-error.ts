// For tests: the ShakedownError a call throws or a promise rejects with; anything else, or no
// error at all, fails the test.
import { ShakedownError } from '../errors.ts';

export function thrown(fn: () => unknown): ShakedownError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ShakedownError) return error;
    throw error;
  }
  throw new Error('expected a ShakedownError');
}

export async function rejection(promise: Promise<unknown>): Promise<ShakedownError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ShakedownError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
