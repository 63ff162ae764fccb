// Reaches an agent through the API server: POST /api/v1/namespaces/NS/pods/NAME:PORT/proxy/v1/probe
// on the run's one connection (the kubeconfig's credentials, rate-limited). This needs the API
// server to reach pod IPs, as webhooks and aggregated APIs do. The agent's token rides in its own
// header: the API server authenticates the caller with Authorization and drops it.
//
// The API server keeps its connections to the pod alive, and the agent closes one idle for
// HTTP_LIMITS.keepAliveTimeoutMs: a request the API server writes on a connection the agent is just
// closing comes back as 502/503 "error trying to reach service: ... connection reset by peer" (or
// EOF), and Go does not retry a request with a body. Every agent call is safe to repeat (a probe
// batch measures, readiness is set to a value), so that one answer is asked once more on a new
// connection; a pod the API server cannot dial at all is reported at once.
import type { Dispatcher } from 'undici';
import { TOKEN_HEADER } from '../../agent/auth.ts';
import type { ApiConnection } from '../kube/connection.ts';
import { TransportError, agentTransport, type AgentAddress, type ProbeTransport } from './transport.ts';

export function proxyPath(agent: AgentAddress, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(agent.namespace)}/pods/${encodeURIComponent(agent.name)}:${agent.ports.api}/proxy${path}`;
}

const STALE_CONNECTION = /error trying to reach service:.*(connection reset by peer|\bEOF\b|broken pipe|server closed idle connection)/;

/** The API server's answer when the kept-alive connection to the pod was closed under the request. */
export function isStaleConnectionAnswer(status: number, text: string): boolean {
  return (status === 502 || status === 503) && STALE_CONNECTION.test(text);
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
    const send = async () => {
      try {
        return await connection.send({
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
    };
    let response = await send();
    if (isStaleConnectionAnswer(response.status, response.text)) response = await send();
    if (response.status !== 200) {
      throw new TransportError('proxy', agent, `${method} ${path} answered HTTP ${response.status}: ${response.text.trim().slice(0, 300)}`);
    }
    return response.text;
  }

  return agentTransport('proxy', call, { controlTimeoutMs: 10_000 });
}
