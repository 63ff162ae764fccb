// Reaches an agent through the API server: POST /api/v1/namespaces/NS/pods/NAME:PORT/proxy/v1/probe
// on the run's one connection (the kubeconfig's credentials, rate-limited). This needs the API
// server to reach pod IPs, as webhooks and aggregated APIs do. The agent's token rides in its own
// header: the API server authenticates the caller with Authorization and drops it.
import type { Dispatcher } from 'undici';
import { TOKEN_HEADER } from '../../agent/auth.ts';
import type { ApiConnection } from '../kube/connection.ts';
import { TransportError, agentTransport, type AgentAddress, type ProbeTransport } from './transport.ts';

export function proxyPath(agent: AgentAddress, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(agent.namespace)}/pods/${encodeURIComponent(agent.name)}:${agent.ports.api}/proxy${path}`;
}

export function createPodProxyTransport(connection: ApiConnection): ProbeTransport {
  async function call(
    agent: AgentAddress,
    method: Dispatcher.HttpMethod,
    path: string,
    body: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<string> {
    let response;
    try {
      response = await connection.send({
        method,
        path: proxyPath(agent, path),
        headers: { [TOKEN_HEADER]: agent.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

  return agentTransport('proxy', call, { controlTimeoutMs: 10_000 });
}
