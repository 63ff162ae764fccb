import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from './agent.ts';
import type { RunningAgent } from './agent.ts';
import { AGENT_VERSION, API_VERSION } from './protocol.ts';
import type { ProbeResponse } from './protocol.ts';
import { LOOPBACK, callJson, closedTcpPort } from './testing/loopback.ts';

const identity = { pod: 'api-pod', namespace: 'sd-7', node: 'node-3', podIP: LOOPBACK };

describe('the agent API', () => {
  let agent: RunningAgent;
  let dir: string;
  let api: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-api-'));
    await writeFile(join(dir, 'resolv.conf'), 'search sd-7.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const config = { identity, httpPorts: [0, 0], tcpPort: 0, udpPort: 0, listenAddress: LOOPBACK, ready: true };
    agent = await startAgent(config, { log: () => {}, resolvConfPath: join(dir, 'resolv.conf') });
    api = `http://${LOOPBACK}:${agent.ports.api}`;
  });
  afterAll(async () => {
    await agent.close();
    await rm(dir, { recursive: true });
  });

  it('GET /v1/info tells identity, version, ports and resolv.conf', async () => {
    expect(await callJson('GET', `${api}/v1/info`)).toEqual({
      status: 200,
      body: {
        apiVersion: API_VERSION,
        ...identity,
        version: AGENT_VERSION,
        ready: true,
        ports: agent.ports,
        resolvConf: { nameservers: ['10.96.0.10'], search: ['sd-7.svc.cluster.local'], options: ['ndots:5'] },
      },
    });
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
    const response = await fetch(`${api}/v1/probe`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('PUT /v1/readiness switches what /healthz answers on every port', async () => {
    const healthz = (port: number | undefined) => fetch(`http://${LOOPBACK}:${port}/healthz`).then((response) => response.status);
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
});
