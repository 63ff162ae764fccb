// The agent's API, served on the first HTTP port next to the echo:
//   GET  /v1/info       identity, version, ports, resolv.conf, the interface MTU
//   POST /v1/probe      run a batch of probes (ProbeRequest -> ProbeResponse); cancelled when the
//                       client closes the connection before the answer. Loopback, link-local and
//                       metadata targets are refused unless an allowance covers them (destinations.ts)
//   PUT  /v1/readiness  set what /healthz answers ({ready: boolean})
// Every request under /v1/ must carry the run's token (auth.ts), checked before anything else,
// the body included, is read; without it the answer is 401. Other paths are the open echo.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PREFIX, tokenChecker } from './auth.ts';
import { runBatch } from './batch.ts';
import type { DestinationRules } from './destinations.ts';
import { pathOf } from './echo-http.ts';
import type { Readiness, Route } from './echo-http.ts';
import { BodyTooLargeError, readJson, sendJson } from './http-io.ts';
import { AGENT_VERSION, API_VERSION } from './protocol.ts';
import type { AgentPorts, ErrorResponse, Identity, InfoResponse, ProbeRequest, ProbeResponse } from './protocol.ts';
import { readResolvConf } from './resolv-conf.ts';
import { MTU_PATHS, readInterfaceMtu, type MtuPaths } from './mtu.ts';
import { ValidationError, parseProbeRequest, parseReadinessRequest } from './validate.ts';

// 2000 targets of a few hundred bytes each fit comfortably.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ApiOptions {
  identity: Identity;
  readiness: Readiness;
  /** The ports served so far; filled in while the agent starts. */
  ports: AgentPorts;
  resolvConfPath: string;
  /** Where the default route and the interface MTU are read (tests point elsewhere). */
  mtuPaths?: MtuPaths;
  /** The run's token; every API request must present it. */
  token: string;
  /**
   * Lets probes reach loopback, link-local and metadata addresses with no allowance (destinations.ts).
   * Only for an agent that listens on loopback alone (agent.ts), whose every client is on its host.
   */
  unguardedTargets?: boolean;
}

interface Endpoint {
  method: string;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

/** The rules a batch's probes connect under; the pod's nameservers are read only when a target names an allowance. */
async function destinationsFor(batch: ProbeRequest, options: ApiOptions): Promise<DestinationRules | undefined> {
  if (options.unguardedTargets === true) return undefined;
  const allowing = batch.targets.some((target) => target.kind === 'dns' && target.allow !== undefined);
  return { podNameservers: allowing ? (await readResolvConf(options.resolvConfPath)).nameservers : [] };
}

function endpoints(options: ApiOptions): ReadonlyMap<string, Endpoint> {
  const info = async (_request: IncomingMessage, response: ServerResponse) => {
    const body: InfoResponse = {
      apiVersion: API_VERSION,
      ...options.identity,
      version: AGENT_VERSION,
      ready: options.readiness.ready,
      ports: options.ports,
      resolvConf: await readResolvConf(options.resolvConfPath),
      time: Date.now(),
      mtu: await readInterfaceMtu(options.mtuPaths ?? MTU_PATHS),
    };
    sendJson(response, 200, body);
  };
  const probe = async (request: IncomingMessage, response: ServerResponse) => {
    const batch = parseProbeRequest(await readJson(request, MAX_BODY_BYTES));
    const destinations = await destinationsFor(batch, options);
    // A client that closes the connection before the answer will never read it: the batch stops.
    const cancel = new AbortController();
    const gone = () => {
      if (!response.writableFinished) cancel.abort(new Error('the client closed the connection before the answer'));
    };
    response.once('close', gone);
    let answer: ProbeResponse;
    try {
      answer = await runBatch(batch, options.identity, { signal: cancel.signal, ...(destinations === undefined ? {} : { destinations }) });
    } catch (error) {
      if (cancel.signal.aborted) return;
      throw error;
    } finally {
      response.off('close', gone);
    }
    sendJson(response, 200, answer);
  };
  const readiness = async (request: IncomingMessage, response: ServerResponse) => {
    options.readiness.ready = parseReadinessRequest(await readJson(request, MAX_BODY_BYTES)).ready;
    sendJson(response, 200, { ready: options.readiness.ready });
  };
  return new Map([
    ['/v1/info', { method: 'GET', handle: info }],
    ['/v1/probe', { method: 'POST', handle: probe }],
    ['/v1/readiness', { method: 'PUT', handle: readiness }],
  ]);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  const body: ErrorResponse = error instanceof ValidationError ? { error: message, field: error.field } : { error: message };
  const status = error instanceof ValidationError ? 400 : error instanceof BodyTooLargeError ? 413 : 500;
  sendJson(response, status, body);
}

function refuse(response: ServerResponse): void {
  response.setHeader('www-authenticate', 'Bearer realm="shakedown-agent"');
  // The body was not read; closing spares the server reading what an unknown caller sends.
  response.setHeader('connection', 'close');
  sendJson(response, 401, { error: "this API needs the run's token (Authorization: Bearer)" } satisfies ErrorResponse);
}

/** The API as a route of the first HTTP port; throws TokenError at once when the token is unusable. */
export function createApi(options: ApiOptions): Route {
  const authorized = tokenChecker(options.token);
  const routes = endpoints(options);
  return (request, response) => {
    const path = pathOf(request);
    if (!path.startsWith(API_PREFIX)) return false;
    const endpoint = routes.get(path);
    if (!authorized(request.headers)) {
      refuse(response);
    } else if (endpoint === undefined) {
      sendJson(response, 404, { error: `no such API path: ${path}` } satisfies ErrorResponse);
    } else if (request.method !== endpoint.method) {
      response.setHeader('allow', endpoint.method);
      sendJson(response, 405, { error: `${path} accepts ${endpoint.method} only` } satisfies ErrorResponse);
    } else {
      endpoint.handle(request, response).catch((error: unknown) => sendError(response, error));
    }
    return true;
  };
}
