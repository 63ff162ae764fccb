import { afterEach, describe, expect, it } from 'vitest';
import { startAgent } from './agent.ts';
import type { RunningAgent } from './agent.ts';
import type { AgentConfig } from './config.ts';
import { probeTcp } from './probe-tcp.ts';
import { probeUdp } from './probe-udp.ts';
import { API_VERSION } from './protocol.ts';
import { LOOPBACK, TEST_TOKEN, callJson, tcpServer } from './testing/loopback.ts';

const config: AgentConfig = {
  identity: { pod: 'agent-pod', namespace: 'ns', node: 'node-1', podIP: LOOPBACK },
  httpPorts: [0, 0],
  tcpPort: 0,
  udpPort: 0,
  listenAddress: LOOPBACK,
  ready: true,
  token: TEST_TOKEN,
};

describe('startAgent', () => {
  const running: RunningAgent[] = [];
  afterEach(() => Promise.all(running.splice(0).map((agent) => agent.close())));

  it('starts every server, logging one line each, and reports the ports it got', async () => {
    const lines: string[] = [];
    const agent = await startAgent(config, { log: (line) => lines.push(line) });
    running.push(agent);
    const { api, http, tcp, udp } = agent.ports;
    expect(http).toHaveLength(2);
    expect(api).toBe(http[0]);
    expect(lines).toEqual([
      `http echo listening on port ${http[0]}, with the API`,
      `http echo listening on port ${http[1]}`,
      `tcp echo listening on port ${tcp}`,
      `udp echo listening on port ${udp} at ${LOOPBACK}`,
      `probe targets unguarded: listening on ${LOOPBACK} only`,
    ]);
    for (const port of http) expect((await fetch(`http://${LOOPBACK}:${port}/healthz`)).status).toBe(200);
  });

  it('stops every server on close, even with connections open', async () => {
    const agent = await startAgent(config, { log: () => {} });
    const { http, tcp, udp } = agent.ports;
    const pending = fetch(`http://${LOOPBACK}:${http[1]}/delay/20000`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    await agent.close();
    expect(performance.now() - start).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
    const base = { id: 'after-close', timeoutMs: 300, host: LOOPBACK };
    expect((await probeTcp({ ...base, kind: 'tcp', port: tcp })).outcome).toBe('refused');
    expect((await probeUdp({ ...base, kind: 'udp', port: udp })).outcome).toBe('refused');
    expect((await probeTcp({ ...base, kind: 'tcp', port: http[0] ?? 0 })).outcome).toBe('refused');
  });

  it('closes what it started when a later server cannot start', async () => {
    const taken = await tcpServer(() => {});
    try {
      const lines: string[] = [];
      await expect(startAgent({ ...config, tcpPort: taken.port }, { log: (line) => lines.push(line) })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const httpPort = Number(/port (\d+)/.exec(lines[0] ?? '')?.[1]);
      expect(httpPort).toBeGreaterThan(0);
      expect((await probeTcp({ kind: 'tcp', id: 'x', timeoutMs: 300, host: LOOPBACK, port: httpPort })).outcome).toBe('refused');
    } finally {
      await taken.close();
    }
  });

  it('refuses to start, listening on nothing, when the token is unusable', async () => {
    const lines: string[] = [];
    await expect(startAgent({ ...config, token: '' }, { log: (line) => lines.push(line) })).rejects.toMatchObject({ code: 'AGENT_TOKEN' });
    await expect(startAgent({ ...config, token: 'short' }, { log: (line) => lines.push(line) })).rejects.toMatchObject({ code: 'AGENT_TOKEN' });
    expect(lines).toEqual([]);
  });

  it('refuses loopback probe targets when it listens on every address, as in a pod', async () => {
    const lines: string[] = [];
    const agent = await startAgent({ ...config, listenAddress: undefined }, { log: (line) => lines.push(line) });
    running.push(agent);
    expect(lines.at(-1)).toBe("probe targets: loopback, link-local and metadata addresses refused (allowance: 'pod-nameserver')");
    const reply = await callJson('POST', `http://${LOOPBACK}:${agent.ports.api}/v1/probe`, {
      apiVersion: API_VERSION,
      targets: [{ kind: 'tcp', id: 'own-echo', timeoutMs: 500, host: LOOPBACK, port: agent.ports.tcp }],
    });
    expect(reply.body).toMatchObject({ results: [{ id: 'own-echo', outcome: 'error', code: 'AGENT_TARGET_REFUSED' }] });
  });
});
