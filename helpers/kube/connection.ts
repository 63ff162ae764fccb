// One connection pool to the API server, with the kubeconfig's credentials (CA, client certificate
// and key, bearer token or exec plugin, impersonation), shared by the typed API clients and the pod
// proxy transport. client-node would open a new TLS connection per request; this keeps them alive.
import type { Socket } from 'node:net';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import type { KubeConfig } from '@kubernetes/client-node';
import { stopRequested } from '../run/signals.ts';
import type { Throttle } from './throttle.ts';

export interface ApiRequest {
  method: Dispatcher.HttpMethod;
  // Path and query under the server URL, e.g. /api/v1/namespaces.
  path: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface ApiConnection {
  // The server URL from the kubeconfig, without a trailing slash.
  readonly server: string;
  readonly dispatcher: Dispatcher;
  authHeaders(): Promise<Record<string, string>>;
  send(req: ApiRequest): Promise<ApiResponse>;
  // The rate limit send() obeys, for API calls made beside it (exec websockets).
  readonly throttle?: Throttle;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  throttle?: Throttle;
  // Used when a request names no timeout.
  defaultTimeoutMs?: number;
  // Credentials from exec plugins expire; they are fetched again after this long.
  credentialTtlMs?: number;
}

interface TlsCredentials {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers: Record<string, string>;
}

// The kubeconfig's TLS material and headers, as client-node resolves them (files, data, tokens, exec).
export async function resolveCredentials(kc: KubeConfig): Promise<TlsCredentials> {
  const opts: {
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    rejectUnauthorized?: boolean;
    servername?: string;
    headers?: Record<string, string | string[] | number | undefined>;
    auth?: string;
  } = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (opts.auth !== undefined) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return {
    ...(opts.ca === undefined ? {} : { ca: opts.ca }),
    ...(opts.cert === undefined ? {} : { cert: opts.cert }),
    ...(opts.key === undefined ? {} : { key: opts.key }),
    ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
    ...(opts.servername === undefined ? {} : { servername: opts.servername }),
    headers,
  };
}

export async function openApiConnection(kc: KubeConfig, options: ConnectionOptions = {}): Promise<ApiConnection> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`context "${kc.getCurrentContext()}" has no cluster`);
  const server = cluster.server.replace(/\/+$/, '');
  const credentials = await resolveCredentials(kc);
  const { headers: initialHeaders, ...tls } = credentials;
  // The sockets being opened are known, so that after a stop one still connecting to a server that
  // does not answer is destroyed instead of keeping the process alive until its connect timeout.
  const connector = buildConnector({ ...tls, timeout: 10_000 });
  const sockets = new Set<Socket>();
  const connect: buildConnector.connector = (target, callback) => {
    // undici's connector returns the socket it opens (its type says void).
    const socket = (connector as unknown as (...args: Parameters<buildConnector.connector>) => Socket | undefined)(target, callback);
    if (socket !== undefined) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
  };
  const dispatcher = new Agent({ connect, keepAliveTimeout: 30_000, connections: 32 });
  const ttl = options.credentialTtlMs ?? 5 * 60_000;
  let headers = initialHeaders;
  let resolvedAt = Date.now();

  async function authHeaders(): Promise<Record<string, string>> {
    if (Date.now() - resolvedAt > ttl) {
      headers = (await resolveCredentials(kc)).headers;
      resolvedAt = Date.now();
    }
    return headers;
  }

  async function send(req: ApiRequest): Promise<ApiResponse> {
    await options.throttle?.take();
    const timeout = AbortSignal.timeout(req.timeoutMs ?? options.defaultTimeoutMs ?? 30_000);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
    // A request under way when the process is told to stop (Ctrl-C, SIGTERM) gets a moment to end
    // (a create that succeeds is then known, and cleaned up), then is abandoned, even while it
    // connects (where undici does not heed its signal): a server that does not answer does not hold
    // the run. Requests sent after the stop (the cleanup's) go ahead.
    return unlessStopped(stopRequested(), STOP_GRACE_MS, async () => {
      const response = await request(`${server}${req.path}`, {
        method: req.method,
        dispatcher,
        headers: { ...(await authHeaders()), ...req.headers },
        ...(req.body === undefined ? {} : { body: req.body }),
        signal,
      });
      const text = await response.body.text();
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers: flat, text };
    });
  }

  // After a stop, what is still connecting is dropped rather than waited for (up to the connect timeout).
  const close = async (): Promise<void> => {
    if (!stopRequested().aborted) return dispatcher.close();
    for (const socket of sockets) socket.destroy();
    return dispatcher.destroy();
  };
  return { server, dispatcher, authHeaders, send, throttle: options.throttle, close };
}

// How long a request under way when the process is told to stop may still take.
export const STOP_GRACE_MS = 1000;

// The work, or the stop's reason once the stop came graceMs ago and the work has not ended; work
// begun after the stop runs as usual.
export async function unlessStopped<T>(stop: AbortSignal, graceMs: number, work: () => Promise<T>): Promise<T> {
  if (stop.aborted) return work();
  const running = work();
  // Abandoned work may still fail later: that is not an unhandled rejection.
  running.catch(() => undefined);
  let onStop: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    onStop = () => {
      timer = setTimeout(() => reject(stop.reason instanceof Error ? stop.reason : new Error(String(stop.reason))), graceMs);
      timer.unref();
    };
    stop.addEventListener('abort', onStop, { once: true });
  });
  try {
    return await Promise.race([running, stopped]);
  } finally {
    if (onStop !== undefined) stop.removeEventListener('abort', onStop);
    clearTimeout(timer);
  }
}
