// The one way a check follows objects as they change: a watch, one long request, so the moment a
// claim binds or a pod runs is seen when it happens, not at the next tick of a poll that shares the
// run's API rate limit with every other check. Use poll.ts for what cannot be watched (a probe, a
// log, a computed verdict); use this for the state of API objects.
//
// Two ways in:
//
//   // Until one object reaches a state (or is gone), within a time; never throws for the condition.
//   const bound = await watchObject<V1PersistentVolumeClaim>(connection, { path: collections.claims(ns), name: 'data' },
//     (claim) => claim.status?.phase === 'Bound', { timeoutMs: 60_000, signal: c.signal });
//   if (!bound.ok) ... bound.value (the last state seen), bound.gone, bound.elapsedMs, bound.error
//   const gone = await waitGone(connection, { path: collections.volumes(), name: pvName }, { timeoutMs, signal });
//
//   // A stream over a collection (or one object) kept open while a check runs; every event is kept.
//   const pods = await openWatch<V1Pod>(connection, { path: collections.pods(ns), labelSelector: 'app=x' }, { signal: c.signal });
//   try {
//     const event = await pods.waitFor((e) => e.object.spec?.nodeName !== undefined, { timeoutMs, signal });  // past or future
//     const settled = await pods.until(() => pods.objects().length === 3, { timeoutMs, signal });           // on the current state
//     pods.get('pod-1'); pods.events (type, object, at)
//   } finally {
//     pods.stop();
//   }
//
// What it does for you:
// - Lists first (the state now, as ADDED events), then watches from the list's resourceVersion,
//   so nothing between the two is missed and an object already in its state is seen at once.
// - A stream that ends or drops is opened again from the last resourceVersion seen (bookmarks
//   included), at most one request per `retryMs`; a failed request is tried again after `retryMs`.
// - 410 Gone (the resourceVersion is too old to resume from) lists again, and what changed in
//   between becomes events (ADDED, MODIFIED, DELETED, marked `relisted`) before watching resumes.
// - 401, 403 and 404 end the watch (a permission or a resource that is missing does not come back):
//   `error` says why, and waits end at once, not ok.
// - Aborting the signal (or stop()) ends the request and every timer; `closed` resolves when done.
//   openWatch rejects with the signal's reason when it is aborted before the first list answers;
//   watchObject and waitGone reject with it too (as poll does), and resolve not ok at their timeout.
import { request, type Dispatcher } from 'undici';
import { pause } from './poll.ts';

// What a watch needs of the API connection (helpers/kube/connection.ts ApiConnection fits).
export interface WatchApi {
  // The server URL, without a trailing slash.
  readonly server: string;
  readonly dispatcher: Dispatcher;
  authHeaders(): Promise<Record<string, string>>;
  readonly throttle?: { take(): Promise<void> };
}

export interface WatchTarget {
  // The collection, e.g. /api/v1/namespaces/NS/pods or /api/v1/persistentvolumes.
  path: string;
  // Only this object (metadata.name, added to the field selector).
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export const collections = {
  claims: (namespace: string) => `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
  pods: (namespace: string) => `/api/v1/namespaces/${namespace}/pods`,
  events: (namespace: string) => `/api/v1/namespaces/${namespace}/events`,
  volumes: () => '/api/v1/persistentvolumes',
  nodes: () => '/api/v1/nodes',
};

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
  // performance.now() when it arrived (for a relisted one: when the list answered).
  at: number;
  // Found by a list after 410 Gone, not sent by the stream.
  relisted?: boolean;
}

export interface OpenWatchOptions {
  signal?: AbortSignal;
  // Between failed requests, and the least time between two streams (default 1000).
  retryMs?: number;
  // How long the server keeps one stream open before it ends it and the watch opens the next (default 300).
  timeoutSeconds?: number;
  // How long a list may take (default 30 000).
  listTimeoutMs?: number;
}

export interface WaitPolicy {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ObjectWatch<T> {
  // Every event so far, in arrival order (the first list's objects as ADDED).
  readonly events: readonly WatchEvent<T>[];
  // The latest state of every object that exists, in the order first seen.
  objects(): T[];
  // One object's latest state (namespace: the target's objects' when they all share one).
  get(name: string, namespace?: string): T | undefined;
  // The first event, past or future, the predicate accepts; undefined at the timeout or when the watch ended.
  waitFor(accept: (event: WatchEvent<T>) => boolean, policy: WaitPolicy): Promise<WatchEvent<T> | undefined>;
  // Until a condition on the current state holds: judged now and after every event.
  until(holds: () => boolean, policy: WaitPolicy): Promise<{ ok: boolean; elapsedMs: number }>;
  // The last error of a request (the watch goes on) or why it ended (`ended`).
  readonly error: string | undefined;
  // Ended for good: stopped, aborted, or refused (401, 403, 404).
  readonly ended: boolean;
  // Requests made so far: lists (the first included), streams opened, lists after 410 Gone.
  readonly stats: { lists: number; streams: number; relists: number };
  stop(): void;
  // Resolves when the request under way and every timer are gone.
  readonly closed: Promise<void>;
}

const DEFAULT_RETRY_MS = 1000;
const DEFAULT_TIMEOUT_SECONDS = 300;
const DEFAULT_LIST_TIMEOUT_MS = 30_000;
const FINAL_STATUSES = new Set([401, 403, 404]);

// An API answer that is not what was asked: its status and the server's own message.
export class WatchHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'WatchHttpError';
    this.status = status;
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function query(target: WatchTarget, extra: Record<string, string>): string {
  const fields = [target.fieldSelector, target.name === undefined ? undefined : `metadata.name=${target.name}`].filter((f) => f !== undefined && f !== '');
  const params = new URLSearchParams(extra);
  if (fields.length > 0) params.set('fieldSelector', fields.join(','));
  if (target.labelSelector !== undefined && target.labelSelector !== '') params.set('labelSelector', target.labelSelector);
  const text = params.toString();
  return text === '' ? target.path : `${target.path}?${text}`;
}

function statusMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not a Status: the text itself
  }
  return text.slice(0, 200);
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n', 1)[0] ?? '') : String(error);
}

export async function openWatch<T extends KubeObject>(api: WatchApi, target: WatchTarget, options: OpenWatchOptions = {}): Promise<ObjectWatch<T>> {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal]);
  const events: WatchEvent<T>[] = [];
  const current = new Map<string, T>();
  const waiters = new Set<() => void>();
  const stats = { lists: 0, streams: 0, relists: 0 };
  let error: string | undefined;
  let ended = false;
  let resourceVersion = '';

  const notify = () => {
    for (const wake of [...waiters]) wake();
  };
  const record = (event: WatchEvent<T>) => {
    events.push(event);
    if (event.type === 'DELETED') current.delete(keyOf(event.object));
    else current.set(keyOf(event.object), event.object);
  };
  const end = (why?: string) => {
    if (why !== undefined) error = why;
    ended = true;
    notify();
  };

  async function open(path: string, requestSignal: AbortSignal, stream: boolean): Promise<Dispatcher.ResponseData> {
    await api.throttle?.take();
    requestSignal.throwIfAborted();
    return request(`${api.server}${path}`, {
      method: 'GET',
      dispatcher: api.dispatcher,
      headers: { accept: 'application/json', ...(await api.authHeaders()) },
      signal: requestSignal,
      ...(stream ? { bodyTimeout: 0 } : {}),
    });
  }

  // A list's status and body, within listTimeoutMs (its timer cleared when it answers).
  async function get(path: string): Promise<{ status: number; text: string }> {
    const bound = new AbortController();
    const timer = setTimeout(
      () => bound.abort(new Error(`list ${target.path}: no answer in ${options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS}ms`)),
      options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS,
    );
    try {
      const response = await open(path, AbortSignal.any([signal, bound.signal]), false);
      return { status: response.statusCode, text: await response.body.text() };
    } finally {
      clearTimeout(timer);
    }
  }

  // The state now; with `diff`, what changed since the state known becomes events.
  async function list(diff: boolean): Promise<void> {
    stats.lists++;
    const { status, text } = await get(query(target, {}));
    if (status !== 200) throw new WatchHttpError(status, `list ${target.path}: HTTP ${status}: ${statusMessage(text)}`);
    const parsed = JSON.parse(text) as { metadata?: { resourceVersion?: string }; items?: T[] };
    const at = performance.now();
    const items = parsed.items ?? [];
    const seen = new Set<string>();
    for (const object of items) {
      const key = keyOf(object);
      seen.add(key);
      const before = current.get(key);
      if (before === undefined) record({ type: 'ADDED', object, at, ...(diff ? { relisted: true } : {}) });
      else if (before.metadata?.resourceVersion !== object.metadata?.resourceVersion) record({ type: 'MODIFIED', object, at, relisted: true });
    }
    if (diff) for (const [key, object] of [...current]) if (!seen.has(key)) record({ type: 'DELETED', object, at, relisted: true });
    resourceVersion = parsed.metadata?.resourceVersion ?? '';
    notify();
  }

  // One stream, until the server ends it; throws what broke it (a WatchHttpError 410 when too old).
  async function stream(): Promise<void> {
    stats.streams++;
    const response = await open(
      query(target, { watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS), resourceVersion }),
      signal,
      true,
    );
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new WatchHttpError(response.statusCode, `watch ${target.path}: HTTP ${response.statusCode}: ${statusMessage(text)}`);
    }
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        const event = JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } };
        if (event.type === 'ERROR')
          throw new WatchHttpError(event.object.code ?? 500, `watch ${target.path}: ${event.object.message ?? 'error event'} (${event.object.code ?? '?'})`);
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
        if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') continue;
        record({ type: event.type, object: event.object, at: performance.now() });
        notify();
      }
    }
  }

  // The first list, tried again until it answers or the signal ends the wait.
  for (;;) {
    try {
      await list(false);
      break;
    } catch (e) {
      if (signal.aborted) throw signal.reason as Error;
      if (e instanceof WatchHttpError && FINAL_STATUSES.has(e.status)) throw e;
      error = errorText(e);
      await pause(retryMs, signal);
    }
  }

  const closed = (async () => {
    let needList = false;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        if (needList) {
          stats.relists++;
          await list(true);
          needList = false;
        }
        await stream();
        // The server ended the stream (its timeoutSeconds): open the next, but not faster than retryMs.
        await pause(Math.max(0, retryMs - (performance.now() - started)), signal);
      } catch (e) {
        if (signal.aborted) break;
        error = errorText(e);
        if (e instanceof WatchHttpError && e.status === 410) {
          needList = true;
          continue;
        }
        if (e instanceof WatchHttpError && FINAL_STATUSES.has(e.status)) return end();
        await pause(retryMs, signal).catch(() => undefined);
      }
    }
    end();
  })().catch(() => end());

  return {
    events,
    objects: () => [...current.values()],
    get(name, namespace) {
      if (namespace !== undefined) return current.get(`${namespace}/${name}`);
      for (const object of current.values()) if (object.metadata?.name === name) return object;
      return undefined;
    },
    waitFor(accept, policy) {
      let seen = 0;
      let found: WatchEvent<T> | undefined;
      return wait(() => {
        for (; seen < events.length; seen++) {
          const event = events[seen];
          if (event !== undefined && accept(event)) {
            found = event;
            return true;
          }
        }
        return false;
      }, policy).then(() => found);
    },
    async until(holds, policy) {
      const started = performance.now();
      const ok = await wait(holds, policy);
      return { ok, elapsedMs: performance.now() - started };
    },
    get error() {
      return error;
    },
    get ended() {
      return ended;
    },
    stats,
    stop: () => controller.abort(new Error('watch stopped')),
    closed,
  };

  // Judged now and on every event; false at the timeout, on the policy's abort or when the watch ended.
  function wait(holds: () => boolean, policy: WaitPolicy): Promise<boolean> {
    if (holds()) return Promise.resolve(true);
    if (ended || policy.signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        waiters.delete(wake);
        policy.signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const wake = () => {
        if (holds()) finish(true);
        else if (ended) finish(false);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, policy.timeoutMs));
      waiters.add(wake);
      policy.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface Watched<T> {
  ok: boolean;
  // The last state seen (undefined when it does not exist, or was deleted last).
  value: T | undefined;
  // It did not exist when last seen (never made, or deleted).
  gone: boolean;
  elapsedMs: number;
  // Why the watch could not follow the object, when it could not (a request refused, or failing).
  error?: string;
}

export interface WatchObjectPolicy extends WaitPolicy {
  retryMs?: number;
}

// Until one object (target.name) satisfies `accept`, or is gone when `accept` is 'gone'. Resolves
// not ok at the timeout with the last state seen; rejects with the signal's reason when it aborts.
export async function watchObject<T extends KubeObject>(
  api: WatchApi,
  target: WatchTarget & { name: string },
  accept: ((object: T) => boolean) | 'gone',
  policy: WatchObjectPolicy,
): Promise<Watched<T>> {
  const started = performance.now();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`no answer in ${policy.timeoutMs}ms`)), Math.max(0, policy.timeoutMs));
  const signal = policy.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, policy.signal]);
  let watch: ObjectWatch<T> | undefined;
  try {
    watch = await openWatch<T>(api, target, { signal, ...(policy.retryMs === undefined ? {} : { retryMs: policy.retryMs }) });
    const w = watch;
    const state = () => w.get(target.name);
    const holds = () => {
      const object = state();
      return accept === 'gone' ? object === undefined : object !== undefined && accept(object);
    };
    const left = policy.timeoutMs - (performance.now() - started);
    const { ok } = await w.until(holds, { timeoutMs: left, signal });
    policy.signal?.throwIfAborted();
    const value = state();
    return { ok, value, gone: value === undefined, elapsedMs: performance.now() - started, ...(ok || w.error === undefined ? {} : { error: w.error }) };
  } catch (e) {
    policy.signal?.throwIfAborted();
    // The first list never answered in time, or was refused.
    return { ok: false, value: undefined, gone: false, elapsedMs: performance.now() - started, error: errorText(e) };
  } finally {
    clearTimeout(timer);
    // Not waited for: a stream is cut at once, and a request still waiting for the rate limit is
    // never sent; waiting would only hold the caller behind the rate limit.
    watch?.stop();
  }
}

// Until one object is gone (never made, or deleted).
export function waitGone<T extends KubeObject = KubeObject>(
  api: WatchApi,
  target: WatchTarget & { name: string },
  policy: WatchObjectPolicy,
): Promise<Watched<T>> {
  return watchObject<T>(api, target, 'gone', policy);
}
