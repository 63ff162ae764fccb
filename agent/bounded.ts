/**
 * Maps `items` through `work` with at most `limit` calls in flight; results keep the order of items.
 * `limit` workers each take the next unclaimed item until none is left. Once `signal` aborts, no
 * item is started any more; the calls in flight are left to end (`work` is expected to heed the
 * same signal), then the whole map rejects with the signal's reason.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  signal?.throwIfAborted();
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length && signal?.aborted !== true; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  signal?.throwIfAborted();
  return results;
}
