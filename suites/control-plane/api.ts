// Raw calls to the API server for what the typed clients do not carry: timed GETs of health and
// metrics URLs (the rate-limit wait is taken first and not counted in the time), and a watch of
// the pods of one namespace (one long request instead of polling a list through the rate limit).
import { request } from 'undici';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeSession } from '../../helpers/kube/session.ts';

export interface TimedResponse {
  status: number;
  text: string;
  ms: number;
}

export async function timedGet(session: KubeSession, path: string, timeoutMs: number, signal?: AbortSignal): Promise<TimedResponse> {
  const { connection } = session;
  await connection.throttle?.take();
  const headers = await connection.authHeaders();
  const timeout = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  const response = await request(`${connection.server}${path}`, {
    method: 'GET',
    dispatcher: connection.dispatcher,
    headers,
    signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, ms: performance.now() - started };
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  pod: V1Pod;
  // performance.now() when the event arrived.
  at: number;
}

export interface PodWatch {
  // Every event so far, in arrival order.
  readonly events: WatchEvent[];
  // Resolves with the first event (past or future) the predicate accepts, or undefined after timeoutMs.
  waitFor(accept: (event: WatchEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<WatchEvent | undefined>;
  // Why the watch stopped, if it stopped early.
  readonly error: string | undefined;
  stop(): void;
}

// Watches the pods of a namespace until stopped, reconnecting from the last resourceVersion.
export async function watchPods(session: KubeSession, namespace: string): Promise<PodWatch> {
  const { connection } = session;
  const controller = new AbortController();
  const events: WatchEvent[] = [];
  const waiters = new Set<() => void>();
  let error: string | undefined;
  const list = await session.clients.core.listNamespacedPod({ namespace });
  let resourceVersion = list.metadata?.resourceVersion ?? '';
  for (const pod of list.items) events.push({ type: 'ADDED', pod, at: performance.now() });

  const notify = () => {
    for (const wake of [...waiters]) wake();
  };

  async function once(): Promise<void> {
    await connection.throttle?.take();
    const path = `/api/v1/namespaces/${namespace}/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const response = await request(`${connection.server}${path}`, { method: 'GET', dispatcher: connection.dispatcher, headers: await connection.authHeaders(), signal: controller.signal, bodyTimeout: 0 });
    if (response.statusCode !== 200) throw new Error(`watch of pods in ${namespace}: HTTP ${response.statusCode} ${(await response.body.text()).slice(0, 200)}`);
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        const event = JSON.parse(line) as { type: string; object: V1Pod & { code?: number; message?: string } };
        if (event.type === 'ERROR') throw new Error(`watch of pods in ${namespace}: ${event.object.message ?? 'error event'} (${event.object.code ?? '?'})`);
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        events.push({ type: event.type as WatchEvent['type'], pod: event.object, at: performance.now() });
        notify();
      }
    }
  }

  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await once();
      } catch (e) {
        if (controller.signal.aborted) break;
        error = e instanceof Error ? e.message : String(e);
        // A lapsed resourceVersion cannot be resumed; later waiters see the error and time out.
        if (/\b410\b|too old/.test(error)) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    notify();
  })();

  return {
    events,
    get error() {
      return error;
    },
    waitFor(accept, timeoutMs, signal) {
      const found = events.find(accept);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        let seen = events.length;
        const finish = (value: WatchEvent | undefined) => {
          clearTimeout(timer);
          waiters.delete(wake);
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        };
        const wake = () => {
          for (; seen < events.length; seen++) {
            const event = events[seen];
            if (event !== undefined && accept(event)) return finish(event);
          }
        };
        const onAbort = () => finish(undefined);
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        waiters.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    stop: () => controller.abort(),
  };
}
