// Waiting for one object to reach a state, by a watch rather than a poll: one long request, so the
// moment a claim binds or a pod runs is seen when it happens, not at the next tick of a poll that
// shares the worker's API rate limit with every other check. A watch without a resourceVersion
// starts with the object's current state, so a dropped watch is simply opened again.
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface Watched<T> {
  ok: boolean;
  // The last state seen (undefined when the object was never seen, or was deleted last).
  value: T | undefined;
  deleted: boolean;
  elapsedMs: number;
}

export interface WatchOptions {
  timeoutMs: number;
  signal: AbortSignal;
  // Accept a deletion (waiting for an object to go).
  acceptDeleted?: boolean;
}

// path: the collection, e.g. /api/v1/namespaces/NS/persistentvolumeclaims or /api/v1/persistentvolumes.
export function watchUntil<T>(kc: KubeConfig, path: string, name: string, accept: (object: T) => boolean, options: WatchOptions): Promise<Watched<T>> {
  const started = performance.now();
  let last: T | undefined;
  let deleted = false;
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    let finished = false;
    let retry: NodeJS.Timeout | undefined;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(retry);
      options.signal.removeEventListener('abort', onAbort);
      controller?.abort();
      resolve({ ok, value: last, deleted, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    const onAbort = () => finish(false);
    options.signal.addEventListener('abort', onAbort);
    const again = (ms: number) => {
      if (!finished) retry = setTimeout(start, ms);
    };
    const start = () => {
      if (finished) return;
      new Watch(kc)
        .watch(
          path,
          { fieldSelector: `metadata.name=${name}` },
          (phase: string, object: T) => {
            if (finished) return;
            if (phase === 'DELETED') {
              deleted = true;
              last = undefined;
              if (options.acceptDeleted === true) finish(true);
              return;
            }
            if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
            deleted = false;
            last = object;
            if (accept(object)) finish(true);
          },
          () => again(300),
        )
        .then(
          (c) => {
            controller = c;
            if (finished) c.abort();
          },
          () => again(1000),
        );
    };
    start();
  });
}

export const paths = {
  claims: (namespace: string) => `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
  pods: (namespace: string) => `/api/v1/namespaces/${namespace}/pods`,
  volumes: () => '/api/v1/persistentvolumes',
};

// Waits until an object is gone: a deletion seen by the watch, or a read answering 404 (it may be
// gone before the watch opens). True when gone within the time.
export async function waitGone(kc: KubeConfig, path: string, name: string, read: () => Promise<unknown>, options: Omit<WatchOptions, 'acceptDeleted'>): Promise<{ gone: boolean; elapsedMs: number }> {
  const started = performance.now();
  for (;;) {
    const exists = await read().then(
      () => true,
      (error: unknown) => (error as { code?: unknown }).code !== 404,
    );
    const elapsedMs = performance.now() - started;
    if (!exists) return { gone: true, elapsedMs };
    const left = options.timeoutMs - elapsedMs;
    if (left <= 0 || options.signal.aborted) return { gone: false, elapsedMs };
    const watched = await watchUntil(kc, path, name, () => false, { timeoutMs: Math.min(left, 2000), signal: options.signal, acceptDeleted: true });
    if (watched.ok) return { gone: true, elapsedMs: performance.now() - started };
  }
}
