import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../agent/agent.ts';
import { TEST_TOKEN } from '../../agent/testing/loopback.ts';
import { openKubeSession, type KubeSession } from '../kube/session.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { createPodProxyTransport, isStaleConnectionAnswer, proxyPath } from './pod-proxy.ts';
import { TransportError } from './transport.ts';

const LOOPBACK = '127.0.0.1';
const agentAddress = { name: 'probe-0', namespace: 'sd-1', ports: { api: 8080 }, token: TEST_TOKEN };

// The fake API server proxies .../pods/probe-0:8080/proxy/PATH to a real agent on loopback, as the
// real one does: the caller's Authorization is consumed (it authenticated the caller), other
// request headers go through.
const HOP_BY_HOP = new Set(['authorization', 'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);
interface ProxyFaults {
  /** Every request: the API server cannot dial the pod. */
  down?: boolean;
  /** The first N requests: the kept-alive connection was closed under the request. */
  resets?: number;
}
const RESET = 'error trying to reach service: read tcp 10.244.1.1:35176->10.244.1.27:8080: read: connection reset by peer';
async function proxyingApiServer(agentPort: number, faults: ProxyFaults): Promise<FakeApiServer> {
  let resets = faults.resets ?? 0;
  return startFakeApiServer({
    async handler(request) {
      const prefix = proxyPath(agentAddress, '');
      if (!request.path.startsWith(prefix)) return undefined;
      if (faults.down) return { status: 503, body: 'error trying to reach service: dial tcp 10.244.1.5:8080: connect: no route to host' };
      if (resets > 0) {
        resets -= 1;
        return { status: 503, body: RESET };
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name, value]) => !HOP_BY_HOP.has(name) && typeof value === 'string'),
      ) as Record<string, string>;
      const response = await fetch(`http://${LOOPBACK}:${agentPort}${request.path.slice(prefix.length)}`, {
        method: request.method,
        headers,
        ...(request.body === '' ? {} : { body: request.body }),
      });
      return { status: response.status, body: await response.json() };
    },
  });
}

describe('createPodProxyTransport', () => {
  let agent: RunningAgent | undefined;
  let server: FakeApiServer | undefined;
  let session: KubeSession | undefined;
  afterEach(async () => {
    await session?.close();
    await server?.close();
    await agent?.close();
  });

  async function setUp(faults: ProxyFaults = {}) {
    agent = await startAgent(
      {
        identity: { pod: 'probe-0', namespace: 'sd-1', node: 'node1', podIP: LOOPBACK },
        httpPorts: [0],
        tcpPort: 0,
        udpPort: 0,
        listenAddress: LOOPBACK,
        ready: true,
        token: TEST_TOKEN,
      },
      { log: () => {} },
    );
    server = await proxyingApiServer(agent.ports.api, faults);
    session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 100 });
    return createPodProxyTransport(session.connection);
  }

  it('runs a batch in the agent through the pod proxy path with the kubeconfig credentials', async () => {
    const transport = await setUp();
    const port = agent?.ports.tcp ?? 0;
    const response = await transport.probe(agentAddress, [
      { id: 'tcp', kind: 'tcp', host: LOOPBACK, port, timeoutMs: 1000, payload: 'hi' },
      { id: 'closed', kind: 'tcp', host: LOOPBACK, port: 1, timeoutMs: 1000 },
    ]);
    expect(response.pod).toBe('probe-0');
    expect(response.results.map((r) => [r.id, r.outcome])).toEqual([
      ['tcp', 'ok'],
      ['closed', 'refused'],
    ]);
    const call = server?.requests.find((r) => r.method === 'POST');
    expect(call?.path).toBe('/api/v1/namespaces/sd-1/pods/probe-0:8080/proxy/v1/probe');
    expect(call?.headers.authorization).toBe('Bearer test-token');
    // The agent's token rides beside the kubeconfig's credentials, never in place of them.
    expect(call?.headers['x-shakedown-agent-token']).toBe(TEST_TOKEN);
  });

  it("gets the agent's 401 back, as a TransportError without the token, when it holds the wrong one", async () => {
    const transport = await setUp();
    const error = await transport.info({ ...agentAddress, token: 'w'.repeat(43) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe(
      'proxy to sd-1/probe-0: GET /v1/info answered HTTP 401: {"error":"this API needs the run\'s token (Authorization: Bearer)"}',
    );
    expect((error as Error).message).not.toContain('w'.repeat(43));
    await expect(transport.setReady({ ...agentAddress, token: 'w'.repeat(43) }, false)).rejects.toThrow(/HTTP 401/);
    expect((await fetch(`http://${LOOPBACK}:${agent?.ports.api}/healthz`)).status).toBe(200);
  });

  it('reads info and sets readiness', async () => {
    const transport = await setUp();
    expect((await transport.info(agentAddress)).pod).toBe('probe-0');
    await transport.setReady(agentAddress, false);
    expect((await fetch(`http://${LOOPBACK}:${agent?.ports.api}/healthz`)).status).toBe(503);
  });

  it('throws a TransportError carrying what the API server said when it cannot reach the pod', async () => {
    const transport = await setUp({ down: true });
    const error = await transport.info(agentAddress).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toBe(
      'proxy to sd-1/probe-0: GET /v1/info answered HTTP 503: error trying to reach service: dial tcp 10.244.1.5:8080: connect: no route to host',
    );
    // A pod that cannot be dialled is said at once, not asked again.
    expect(server?.requests.filter((r) => r.path.includes('/proxy/'))).toHaveLength(1);
  });

  it('asks once more when the kept-alive connection to the pod was closed under the request', async () => {
    const transport = await setUp({ resets: 1 });
    const response = await transport.probe(agentAddress, [{ id: 'tcp', kind: 'tcp', host: LOOPBACK, port: agent?.ports.tcp ?? 0, timeoutMs: 1000 }]);
    expect(response.results.map((r) => r.outcome)).toEqual(['ok']);
    expect(server?.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('reports the reset when the second try is reset too', async () => {
    const transport = await setUp({ resets: 2 });
    await expect(transport.info(agentAddress)).rejects.toThrow(`proxy to sd-1/probe-0: GET /v1/info answered HTTP 503: ${RESET}`);
    expect(server?.requests.filter((r) => r.path.includes('/proxy/'))).toHaveLength(2);
  });
});

describe('isStaleConnectionAnswer', () => {
  it.each([
    [503, RESET, true],
    [502, 'error trying to reach service: EOF', true],
    [503, '{"kind":"Status","message":"error trying to reach service: EOF","reason":"ServiceUnavailable","code":503}', true],
    [503, 'error trying to reach service: write tcp 10.0.0.1:1->10.244.1.2:8080: write: broken pipe', true],
    [503, 'error trying to reach service: dial tcp 10.244.1.5:8080: connect: no route to host', false],
    [503, 'error trying to reach service: dial tcp 10.244.1.5:8080: connect: connection refused', false],
    [500, RESET, false],
    [503, 'connection reset by peer', false],
  ])('HTTP %i %j -> %s', (status, text, stale) => {
    expect(isStaleConnectionAnswer(status, text)).toBe(stale);
  });
});
