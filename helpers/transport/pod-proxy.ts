// Reaches an agent through the API server: POST /api/v1/namespaces/NS/pods/NAME:PORT/proxy/v1/probe
// on the run's one connection (the kubeconfig's credentials, rate-limited). This needs the API
// server to reach pod IPs, as webhooks and aggregated APIs do.
import type { Dispatcher } from 'undici';
import type { InfoResponse, ProbeTarget } from '../../agent/protocol.ts';
import type { ApiConnection } from '../kube/connection.ts';
import {
  TransportError,
  batchDeadlineMs,
  mergeResponses,
  parseProbeResponse,
  probeRequests,
  type AgentAddress,
  type ProbeOptions,
  type ProbeTransport,
} from './transport.ts';

export function proxyPath(agent: AgentAddress, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(agent.namespace)}/pods/${encodeURIComponent(agent.name)}:${agent.ports.api}/proxy${path}`;
}

export function createPodProxyTransport(connection: ApiConnection): ProbeTransport {
  async function call(agent: AgentAddress, method: Dispatcher.HttpMethod, path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    let response;
    try {
      response = await connection.send({
        method,
        path: proxyPath(agent, path),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw new TransportError('proxy', agent, `${method} ${path} failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status !== 200) {
      throw new TransportError('proxy', agent, `${method} ${path} answered HTTP ${response.status}: ${response.text.trim().slice(0, 300)}`);
    }
    return response.text;
  }

  return {
    kind: 'proxy',
    async probe(agent, targets: readonly ProbeTarget[], options: ProbeOptions = {}) {
      const responses = [];
      for (const request of probeRequests(targets, options)) {
        const text = await call(agent, 'POST', '/v1/probe', request, batchDeadlineMs(request), options.signal);
        responses.push(parseProbeResponse('proxy', agent, request, text));
      }
      return mergeResponses(responses, agent);
    },
    async info(agent, options = {}) {
      return JSON.parse(await call(agent, 'GET', '/v1/info', undefined, 10_000, options.signal)) as InfoResponse;
    },
    async setReady(agent, ready) {
      await call(agent, 'PUT', '/v1/readiness', { ready }, 10_000);
    },
    // The connection belongs to the session that opened it.
    close: async () => {},
  };
}
