// Raw calls to the API server for what the typed clients do not carry: timed GETs of health and
// metrics URLs (the rate-limit wait is taken first and not counted in the time), and a watch of
// the pods of one namespace (one long request instead of polling a list through the rate limit),
// which is the engine's one watch.
import { request } from 'undici';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { timeoutSignal } from '../../helpers/wait/poll.ts';
import { collections, openWatch, type ObjectWatch, type WatchEvent } from '../../helpers/wait/watch.ts';

export interface TimedResponse {
  status: number;
  text: string;
  ms: number;
}

export async function timedGet(session: KubeSession, path: string, timeoutMs: number, signal?: AbortSignal): Promise<TimedResponse> {
  const { connection } = session;
  await connection.throttle?.take();
  const headers = await connection.authHeaders();
  const started = performance.now();
  const response = await request(`${connection.server}${path}`, {
    method: 'GET',
    dispatcher: connection.dispatcher,
    headers,
    signal: timeoutSignal(timeoutMs, signal),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, ms: performance.now() - started };
}

// A watch of one namespace's pods: the engine's watch (helpers/wait/watch.ts), from its list on.
export type PodWatch = ObjectWatch<V1Pod>;
export type PodEvent = WatchEvent<V1Pod>;

// Until stopped (or `signal`); rejects when the first list is refused or `signal` ends it first.
export function watchPods(session: KubeSession, namespace: string, signal?: AbortSignal): Promise<PodWatch> {
  return openWatch<V1Pod>(session.connection, { path: collections.pods(namespace) }, signal === undefined ? {} : { signal });
}
