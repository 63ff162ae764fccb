import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from './agent.ts';
import type { RunningAgent } from './agent.ts';
import { createApi } from './api.ts';
import { createHttpEcho } from './echo-http.ts';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { AGENT_VERSION, API_VERSION } from './protocol.ts';
import type { ProbeResponse, ProbeTarget } from './protocol.ts';
import { LOOPBACK, TEST_TOKEN, bearer, callJson, closedTcpPort, tcpServer, udpServer } from './testing/loopback.ts';

const identity = { pod: 'api-pod', namespace: 'sd-7', node: 'node-3', podIP: LOOPBACK };

describe('the agent API', () => {
  let agent: RunningAgent;
  let dir: string;
  let api: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-api-'));
    await writeFile(join(dir, 'resolv.conf'), 'search sd-7.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    await writeFile(join(dir, 'route'), 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nnet1\t00000000\t0101F40A\t0003\t0\t0\t0\t00000000\n');
    await mkdir(join(dir, 'net', 'net1'), { recursive: true });
    await writeFile(join(dir, 'net', 'net1', 'mtu'), '1450\n');
    const config = { identity, httpPorts: [0, 0], tcpPort: 0, udpPort: 0, listenAddress: LOOPBACK, ready: true, token: TEST_TOKEN };
    agent = await startAgent(config, {
      log: () => {},
      resolvConfPath: join(dir, 'resolv.conf'),
      mtuPaths: { route: join(dir, 'route'), ipv6Route: join(dir, 'none'), sysNet: join(dir, 'net') },
    });
    api = `http://${LOOPBACK}:${agent.ports.api}`;
  });
  afterAll(async () => {
    await agent.close();
    await rm(dir, { recursive: true });
  });

  it('GET /v1/info tells identity, version, ports, resolv.conf, its clock and the default-route interface MTU', async () => {
    const before = Date.now();
    const info = await callJson('GET', `${api}/v1/info`);
    const after = Date.now();
    expect(info).toEqual({
      status: 200,
      body: {
        apiVersion: API_VERSION,
        ...identity,
        version: AGENT_VERSION,
        ready: true,
        ports: agent.ports,
        resolvConf: { nameservers: ['10.96.0.10'], search: ['sd-7.svc.cluster.local'], options: ['ndots:5'] },
        time: expect.any(Number),
        mtu: { interface: 'net1', mtu: 1450 },
      },
    });
    const time = (info.body as { time: number }).time;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });

  it('POST /v1/probe runs the batch against the agent itself, in order', async () => {
    const { http, tcp, udp } = agent.ports;
    const closed = await closedTcpPort();
    const reply = await callJson('POST', `${api}/v1/probe`, {
      apiVersion: API_VERSION,
      concurrency: 2,
      targets: [
        { kind: 'http', id: 'http', timeoutMs: 1000, url: `http://${LOOPBACK}:${http[1]}/x` },
        { kind: 'tcp', id: 'tcp', timeoutMs: 1000, host: LOOPBACK, port: tcp },
        { kind: 'udp', id: 'udp', timeoutMs: 1000, host: LOOPBACK, port: udp },
        { kind: 'tcp', id: 'closed', timeoutMs: 1000, host: LOOPBACK, port: closed },
      ],
    });
    expect(reply.status).toBe(200);
    const body = reply.body as ProbeResponse;
    expect(body).toMatchObject({ apiVersion: API_VERSION, pod: 'api-pod', node: 'node-3' });
    expect(body.results.map((result) => [result.id, result.outcome])).toEqual([
      ['http', 'ok'],
      ['tcp', 'ok'],
      ['udp', 'ok'],
      ['closed', 'refused'],
    ]);
    expect(body.results[0]?.http?.echo).toMatchObject({ pod: 'api-pod', port: http[1], path: '/x' });
  });

  it('stops a batch whose client closes the connection: the running probe is aborted, the rest never start', async () => {
    const connections: { at: number; closedAt?: number }[] = [];
    const silent = await tcpServer((socket) => {
      const seen: { at: number; closedAt?: number } = { at: performance.now() };
      connections.push(seen);
      socket.on('close', () => (seen.closedAt = performance.now())).resume();
    });
    try {
      // One at a time, each waiting 300 ms for an answer that never comes: 1.5 s if nothing stops it.
      const targets = Array.from({ length: 5 }, (_, i) => ({ kind: 'tcp', id: `t${i}`, timeoutMs: 300, host: LOOPBACK, port: silent.port }));
      const client = new AbortController();
      const asked = fetch(`${api}/v1/probe`, {
        method: 'POST',
        headers: bearer(),
        body: JSON.stringify({ apiVersion: API_VERSION, concurrency: 1, targets }),
        signal: client.signal,
      });
      asked.catch(() => {});
      while (connections.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const abortedAt = performance.now();
      client.abort();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(connections).toHaveLength(1);
      expect((connections[0]?.closedAt ?? Infinity) - abortedAt).toBeLessThan(200);
    } finally {
      await silent.close();
    }
  });

  it('answers 400 naming the bad field', async () => {
    const targets = [{ kind: 'dns', id: 'd', timeoutMs: 60_000, server: LOOPBACK, name: 'x', type: 'A', transport: 'udp' }];
    expect(await callJson('POST', `${api}/v1/probe`, { apiVersion: API_VERSION, targets })).toEqual({
      status: 400,
      body: { error: 'targets[0].timeoutMs: must be an integer from 1 to 30000', field: 'targets[0].timeoutMs' },
    });
    expect(await callJson('POST', `${api}/v1/probe`, '{"apiVersion":')).toEqual({ status: 400, body: { error: 'body: is not valid JSON', field: 'body' } });
  });

  it('answers 413 to a body above 4 MiB', async () => {
    const reply = await callJson('POST', `${api}/v1/probe`, JSON.stringify({ apiVersion: API_VERSION, targets: [], pad: 'x'.repeat(5 * 1024 * 1024) }));
    expect(reply).toEqual({ status: 413, body: { error: 'request body exceeds 4194304 bytes' } });
  });

  it('answers 405 to the wrong method, with Allow', async () => {
    const response = await fetch(`${api}/v1/probe`, { headers: bearer() });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('PUT /v1/readiness switches what /healthz answers on every port', async () => {
    const healthz = (port: number | undefined) => fetch(`http://${LOOPBACK}:${port}/healthz`).then((response) => response.status);
    expect(await Promise.all(agent.ports.http.map(healthz))).toEqual([200, 200]);
    expect(await callJson('PUT', `${api}/v1/readiness`, { ready: false })).toEqual({ status: 200, body: { ready: false } });
    expect(await Promise.all(agent.ports.http.map(healthz))).toEqual([503, 503]);
    expect(await callJson('PUT', `${api}/v1/readiness`, { ready: 'yes' })).toMatchObject({ status: 400, body: { field: 'ready' } });
    await callJson('PUT', `${api}/v1/readiness`, { ready: true });
    expect(await Promise.all(agent.ports.http.map(healthz))).toEqual([200, 200]);
  });

  it('serves the API on the first HTTP port only; the others echo those paths', async () => {
    const reply = await callJson('GET', `http://${LOOPBACK}:${agent.ports.http[1]}/v1/info`);
    expect(reply).toMatchObject({ status: 200, body: { pod: 'api-pod', path: '/v1/info' } });
  });

  describe("without the run's token", () => {
    const calls: [string, string, unknown][] = [
      ['GET', '/v1/info', undefined],
      ['POST', '/v1/probe', { apiVersion: API_VERSION, targets: [] }],
      ['PUT', '/v1/readiness', { ready: false }],
      ['GET', '/v1/unknown', undefined],
      ['DELETE', '/v1/probe', undefined],
    ];
    const refusals: [string, Record<string, string>][] = [
      ['no credentials', {}],
      ['a wrong bearer token', bearer(`${TEST_TOKEN}x`)],
      ['a wrong token of the same length', bearer(TEST_TOKEN.replace(/.$/, '!'))],
      ['another scheme', { authorization: `Basic ${TEST_TOKEN}` }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['a wrong proxy header', { 'x-shakedown-agent-token': 'nope' }],
    ];
    it.each(refusals)('answers 401 with WWW-Authenticate to %s, on every API path and method', async (_what, headers) => {
      for (const [method, path, body] of calls) {
        const response = await fetch(`${api}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        expect([method, path, response.status]).toEqual([method, path, 401]);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({ error: expect.stringContaining('token') });
        expect(text).not.toContain(TEST_TOKEN);
      }
    });

    it('refuses before reading the body: a 5 MiB body still gets 401, not 413', async () => {
      const reply = await callJson('POST', `${api}/v1/probe`, 'x'.repeat(5 * 1024 * 1024), {});
      expect(reply.status).toBe(401);
    });

    it('cannot flip readiness, and no traffic does', async () => {
      const healthz = () => fetch(`http://${LOOPBACK}:${agent.ports.api}/healthz`).then((response) => response.status);
      await callJson('PUT', `${api}/v1/readiness`, { ready: false }, {});
      await callJson('PUT', `${api}/v1/readiness`, { ready: false }, bearer('wrong'));
      await fetch(`${api}/readiness`, { method: 'PUT', body: '{"ready":false}' });
      await fetch(`${api}/healthz`, { method: 'PUT', body: '{"ready":false}' });
      expect(await healthz()).toBe(200);
      expect((await callJson('GET', `${api}/v1/info`)).body).toMatchObject({ ready: true });
    });

    it('leaves /healthz and the echo open to anyone, on the API port too', async () => {
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      expect(await callJson('GET', `${api}/any/path`, undefined, {})).toMatchObject({ status: 200, body: { pod: 'api-pod', path: '/any/path' } });
      expect((await fetch(`${api}/status/418`)).status).toBe(418);
    });
  });

  it("takes the token in the pod proxy's header too (the API server consumes Authorization)", async () => {
    expect(await callJson('GET', `${api}/v1/info`, undefined, { 'x-shakedown-agent-token': TEST_TOKEN })).toMatchObject({
      status: 200,
      body: { pod: 'api-pod' },
    });
    expect(await callJson('GET', `${api}/v1/info`, undefined, { authorization: `bearer ${TEST_TOKEN}` })).toMatchObject({ status: 200 });
  });

  it('answers 404 to an unknown API path, for the token holder only', async () => {
    expect(await callJson('GET', `${api}/v1/nothing`)).toEqual({ status: 404, body: { error: 'no such API path: /v1/nothing' } });
  });
});

// The API of an agent in a pod (listening on every address): loopback, link-local and metadata
// targets are refused. Its pod's nameservers, as a NodeLocal DNSCache or a DNS sidecar set them.
describe('the agent API in a pod, asked for local targets', () => {
  let dir: string;
  let server: Listening;
  let api: string;
  let connections = 0;
  let datagrams = 0;
  let tcp: Listening;
  let udp: Awaited<ReturnType<typeof udpServer>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-api-guard-'));
    await writeFile(join(dir, 'resolv.conf'), 'nameserver 169.254.20.10\nnameserver 127.0.0.1\n');
    const readiness = { ready: true };
    const guarded = createApi({
      identity,
      readiness,
      ports: { api: 0, http: [], tcp: 0, udp: 0 },
      resolvConfPath: join(dir, 'resolv.conf'),
      token: TEST_TOKEN,
    });
    server = await startListening(createHttpEcho({ identity, readiness, api: guarded }), 0, LOOPBACK);
    api = `http://${LOOPBACK}:${server.port}`;
    tcp = await tcpServer(() => connections++);
    udp = await udpServer(() => datagrams++);
  });
  afterAll(async () => {
    await Promise.all([server.close(), tcp.close(), udp.close()]);
    await rm(dir, { recursive: true });
  });

  const probe = async (targets: ProbeTarget[]) => {
    const reply = await callJson('POST', `${api}/v1/probe`, { apiVersion: API_VERSION, targets });
    expect(reply.status).toBe(200);
    return (reply.body as ProbeResponse).results;
  };

  it('refuses 169.254.169.254, 127.0.0.1, ::1, fe80::1 and the other local forms, with a clear result, and sends nothing', async () => {
    const targets: ProbeTarget[] = [
      { kind: 'http', id: 'metadata', timeoutMs: 1000, url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' },
      { kind: 'tcp', id: 'metadata-tcp', timeoutMs: 1000, host: '169.254.169.254', port: 80, connectOnly: true },
      { kind: 'http', id: 'metadata-v6', timeoutMs: 1000, url: 'http://[fd00:ec2::254]/latest/meta-data/' },
      { kind: 'tcp', id: 'loopback', timeoutMs: 1000, host: LOOPBACK, port: tcp.port },
      { kind: 'http', id: 'loopback-http', timeoutMs: 1000, url: `http://${LOOPBACK}:${tcp.port}/` },
      { kind: 'tls', id: 'loopback-tls', timeoutMs: 1000, host: LOOPBACK, port: tcp.port },
      { kind: 'udp', id: 'loopback-udp', timeoutMs: 1000, host: LOOPBACK, port: udp.port },
      { kind: 'tcp', id: 'loopback-v6', timeoutMs: 1000, host: '::1', port: tcp.port },
      { kind: 'tcp', id: 'mapped', timeoutMs: 1000, host: '::ffff:127.0.0.1', port: tcp.port },
      // A name in another notation, resolved by the system to 127.0.0.1.
      { kind: 'tcp', id: 'short-form', timeoutMs: 1000, host: '127.1', port: tcp.port },
      { kind: 'tcp', id: 'unspecified', timeoutMs: 1000, host: '0.0.0.0', port: tcp.port },
      { kind: 'udp', id: 'link-local-v6', timeoutMs: 1000, host: 'fe80::1', port: udp.port },
      { kind: 'dns', id: 'dns-loopback', timeoutMs: 1000, server: LOOPBACK, port: udp.port, name: 'x', type: 'A', transport: 'udp' },
    ];
    const results = await probe(targets);
    expect(results.map((result) => [result.id, result.outcome, result.code])).toEqual(targets.map((target) => [target.id, 'error', 'AGENT_TARGET_REFUSED']));
    expect(results[0]?.detail).toBe('refused target 169.254.169.254: a link-local address, where probes may not go');
    expect(results[7]?.detail).toBe('refused target ::1: a loopback address (the pod itself), where probes may not go');
    expect(results[9]?.detail).toBe('refused target 127.0.0.1: a loopback address (the pod itself), where probes may not go');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([connections, datagrams]).toEqual([0, 0]);
  });

  it("lets a DNS query reach the pod's own nameserver on loopback with allow 'pod-nameserver', and no other local server", async () => {
    const results = await probe([
      { kind: 'dns', id: 'allowed', timeoutMs: 1000, server: LOOPBACK, name: 'kubernetes.default', type: 'A', transport: 'udp', allow: 'pod-nameserver' },
      { kind: 'dns', id: 'not-ours', timeoutMs: 1000, server: '169.254.169.254', name: 'x', type: 'A', transport: 'udp', allow: 'pod-nameserver' },
    ]);
    // The query left: port 53 on 127.0.0.1 answered, or (nothing listening there) the kernel refused it.
    expect(results[0]?.code).not.toBe('AGENT_TARGET_REFUSED');
    expect(['ok', 'dns-error', 'refused', 'timeout']).toContain(results[0]?.outcome);
    expect(results[1]).toMatchObject({ outcome: 'error', code: 'AGENT_TARGET_REFUSED' });
    expect(results[1]?.detail).toContain("not a nameserver of this pod (169.254.20.10, 127.0.0.1), all that 'pod-nameserver' allows");
  });
});
