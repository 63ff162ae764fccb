// How the runner talks to a probe agent. Implementations: through the API server's pod proxy
// (pod-proxy.ts), by exec into the probe pod (exec.ts), and a fake for unit tests (fake.ts).
// A transport failure (the agent could not be asked) is a TransportError; a probe that failed is
// an ordinary result with its outcome.
import {
  API_VERSION,
  DEFAULT_CONCURRENCY,
  MAX_TARGETS,
  type InfoResponse,
  type ProbeRequest,
  type ProbeResponse,
  type ProbeTarget,
} from '../../agent/protocol.ts';
import { withNameserverAllowance } from '../../agent/destinations.ts';

export type TransportKind = 'proxy' | 'exec' | 'fake';

// The little a transport needs to know about an agent.
export interface AgentAddress {
  name: string;
  namespace: string;
  ports: { api: number };
  /**
   * The run's API token, from the Secret mounted into the agent's pod (manifests.ts): the agent
   * answers 401 without it. Never log or print it.
   */
  token: string;
  /** The agent's node, when known: named when its kubelet does not answer. */
  node?: string;
}

export interface ProbeOptions {
  concurrency?: number;
  signal?: AbortSignal;
}

export interface ProbeTransport {
  readonly kind: TransportKind;
  // Runs the targets from inside the agent's pod; results come back in the order of the targets.
  probe(agent: AgentAddress, targets: readonly ProbeTarget[], options?: ProbeOptions): Promise<ProbeResponse>;
  info(agent: AgentAddress, options?: { signal?: AbortSignal }): Promise<InfoResponse>;
  // What the agent's /healthz answers from now on (and so whether its pod is Ready).
  setReady(agent: AgentAddress, ready: boolean): Promise<void>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly agent: string;
  readonly via: TransportKind;

  constructor(via: TransportKind, agent: AgentAddress, message: string, options: { cause?: unknown } = {}) {
    super(`${via} to ${agent.namespace}/${agent.name}: ${message}`, options);
    this.agent = `${agent.namespace}/${agent.name}`;
    this.via = via;
  }
}

// A request in the agent's wire format; big target lists are split into several requests. The
// agent refuses loopback and link-local targets; a DNS query to such a server is the pods' own
// nameserver (a NodeLocal DNSCache on 169.254.20.10) and goes with the allowance that names it.
export function probeRequests(targets: readonly ProbeTarget[], options: ProbeOptions = {}, maxTargets = MAX_TARGETS): ProbeRequest[] {
  const requests: ProbeRequest[] = [];
  for (let start = 0; start < targets.length; start += maxTargets) {
    requests.push({
      apiVersion: API_VERSION,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      targets: targets.slice(start, start + maxTargets).map(withNameserverAllowance),
    });
  }
  return requests;
}

// How long a batch may take: its rounds of probes at the longest timeout, plus a margin.
export function batchDeadlineMs(request: ProbeRequest, marginMs = 5000): number {
  const longest = Math.max(0, ...request.targets.map((target) => target.timeoutMs));
  const rounds = Math.ceil(request.targets.length / (request.concurrency ?? DEFAULT_CONCURRENCY));
  return rounds * longest + marginMs;
}

// Checks the agent's answer before anyone relies on it.
export function parseProbeResponse(via: TransportKind, agent: AgentAddress, request: ProbeRequest, text: string): ProbeResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TransportError(via, agent, `the agent's answer is not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
  const response = parsed as Partial<ProbeResponse>;
  if (response.apiVersion !== API_VERSION || !Array.isArray(response.results)) {
    throw new TransportError(
      via,
      agent,
      `the agent answered in an unknown format (apiVersion ${JSON.stringify(response.apiVersion)}); is the probe image running this shakedown's agent?`,
    );
  }
  if (response.results.length !== request.targets.length) {
    throw new TransportError(via, agent, `the agent returned ${response.results.length} results for ${request.targets.length} targets`);
  }
  return response as ProbeResponse;
}

export function mergeResponses(responses: readonly ProbeResponse[], agent: AgentAddress): ProbeResponse {
  const [first] = responses;
  return {
    apiVersion: API_VERSION,
    pod: first?.pod ?? agent.name,
    node: first?.node ?? '',
    results: responses.flatMap((response) => response.results),
  };
}

/** One request to an agent's API, however it is carried (pod proxy or exec); resolves with the body. */
export type AgentCall = (
  agent: AgentAddress,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: unknown,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<string>;

export interface AgentTransportOptions {
  /** Splits probe requests further (exec: one command-line argument holds a bounded body). */
  split?: (requests: ProbeRequest[]) => ProbeRequest[];
  /** Margin over the batch's own probe deadline for carrying it there and back. */
  batchMarginMs?: number;
  /** Deadline of the small control requests (info, readiness). */
  controlTimeoutMs: number;
}

/** The agent's API (probe batches, info, readiness) over a way of carrying one request. */
export function agentTransport(kind: 'proxy' | 'exec', call: AgentCall, o: AgentTransportOptions): ProbeTransport {
  return {
    kind,
    async probe(agent, targets, options = {}) {
      const responses = [];
      const requests = probeRequests(targets, options);
      for (const request of o.split ? o.split(requests) : requests) {
        const text = await call(agent, 'POST', '/v1/probe', request, batchDeadlineMs(request, o.batchMarginMs), options.signal);
        responses.push(parseProbeResponse(kind, agent, request, text));
      }
      return mergeResponses(responses, agent);
    },
    async info(agent, options = {}) {
      return JSON.parse(await call(agent, 'GET', '/v1/info', undefined, o.controlTimeoutMs, options.signal)) as InfoResponse;
    },
    async setReady(agent, ready) {
      await call(agent, 'PUT', '/v1/readiness', { ready }, o.controlTimeoutMs);
    },
    // Whatever the calls ride on (the run's connection, the exec runner) belongs to its owner.
    close: async () => {},
  };
}
