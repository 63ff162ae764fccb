// End to end: bundle the agent as it ships, run it in a child process, probe it over loopback.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from './build.ts';
import { API_VERSION } from './protocol.ts';
import type { ProbeResponse } from './protocol.ts';
import { LOOPBACK, TEST_TOKEN, callJson, closedTcpPort, closedUdpPort, tcpServer } from './testing/loopback.ts';

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function distinctTcpPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await closedTcpPort());
  return [...ports];
}

describe('the bundled agent', () => {
  let dir: string;
  let script: string;
  let bundle: string;
  let tokenFile: string;
  beforeAll(async () => {
    bundle = await buildAgentBundle();
    dir = await mkdtemp(join(tmpdir(), 'sd-agent-'));
    script = join(dir, 'agent.mjs');
    tokenFile = join(dir, 'token');
    await writeFile(script, bundle);
    await writeFile(tokenFile, TEST_TOKEN);
  });
  afterAll(() => rm(dir, { recursive: true }));

  it('is one small self-contained module', () => {
    expect(Buffer.byteLength(bundle)).toBeLessThan(100 * 1024);
    expect(bundle).not.toMatch(/from\s*["']dns-packet["']|require\(["']dns-packet["']\)/);
  });

  it('serves echo and API from env, then exits 0 within a second of SIGTERM despite work in flight', async () => {
    const [apiPort = 0, echoPort = 0, tcpPort = 0] = await distinctTcpPorts(3);
    const udpPort = await closedUdpPort();
    const silent = await tcpServer(() => {});
    const agent = run(script, {
      POD_NAME: 'e2e-pod',
      POD_NAMESPACE: 'e2e-ns',
      NODE_NAME: 'e2e-node',
      POD_IP: LOOPBACK,
      HTTP_PORTS: `${apiPort},${echoPort}`,
      TCP_ECHO_PORT: String(tcpPort),
      UDP_ECHO_PORT: String(udpPort),
      LISTEN_ADDRESS: LOOPBACK,
      AGENT_TOKEN_FILE: tokenFile,
    });
    try {
      await waitFor(() => agent.stdout().includes('probe targets'), 'the agent to start');
      expect(agent.stdout().trim().split('\n')).toHaveLength(6);

      const echo = await callJson('GET', `http://${LOOPBACK}:${echoPort}/hello`);
      expect(echo).toMatchObject({ status: 200, body: { pod: 'e2e-pod', namespace: 'e2e-ns', node: 'e2e-node', port: echoPort, path: '/hello' } });

      const targets = [
        { kind: 'http', id: 'http', timeoutMs: 2000, url: `http://${LOOPBACK}:${echoPort}/` },
        { kind: 'tcp', id: 'tcp', timeoutMs: 2000, host: LOOPBACK, port: tcpPort },
        { kind: 'udp', id: 'udp', timeoutMs: 2000, host: LOOPBACK, port: udpPort },
      ];
      expect((await callJson('GET', `http://${LOOPBACK}:${apiPort}/v1/info`, undefined, {})).status).toBe(401);
      const probed = await callJson('POST', `http://${LOOPBACK}:${apiPort}/v1/probe`, { apiVersion: API_VERSION, targets });
      const results = (probed.body as ProbeResponse).results;
      expect(results.map((result) => [result.id, result.outcome, result.http?.echo?.pod ?? result.reply?.pod])).toEqual([
        ['http', 'ok', 'e2e-pod'],
        ['tcp', 'ok', 'e2e-pod'],
        ['udp', 'ok', 'e2e-pod'],
      ]);

      // A slow echo and a probe that would wait 30 s are still running when the signal comes.
      const slow = fetch(`http://${LOOPBACK}:${echoPort}/delay/20000`).catch(() => 'aborted');
      const stuck = callJson('POST', `http://${LOOPBACK}:${apiPort}/v1/probe`, {
        apiVersion: API_VERSION,
        targets: [{ kind: 'tcp', id: 'stuck', timeoutMs: 30_000, host: LOOPBACK, port: silent.port }],
      }).catch(() => 'aborted');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const start = performance.now();
      agent.process.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      expect(performance.now() - start).toBeLessThan(1000);
      expect(await Promise.all([slow, stuck])).toEqual(['aborted', 'aborted']);
      expect(agent.stdout()).toContain('SIGTERM: shutting down');
      expect(agent.stderr()).toBe('');
    } finally {
      agent.process.kill('SIGKILL');
      await silent.close();
    }
  });

  it('refuses to start on a bad setting, with one line naming the variable', async () => {
    const agent = run(script, { HTTP_PORTS: '80,8081', AGENT_TOKEN_FILE: tokenFile });
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toBe('shakedown-agent: invalid HTTP_PORTS="80,8081": port 80 is outside 1024-65535 (the agent runs without privileges)\n');
  });

  it("refuses to start without the run's token, listening on nothing", async () => {
    const [apiPort = 0] = await distinctTcpPorts(1);
    const env = {
      HTTP_PORTS: String(apiPort),
      LISTEN_ADDRESS: LOOPBACK,
      TCP_ECHO_PORT: String(await closedTcpPort()),
      UDP_ECHO_PORT: String(await closedUdpPort()),
    };
    const unset = run(script, env);
    expect(await unset.exited).toBe(1);
    expect(unset.stderr()).toBe('shakedown-agent: invalid AGENT_TOKEN_FILE="": is not set: the agent refuses to serve its API without the run\'s token\n');
    expect(unset.stdout()).not.toContain('listening');
    const missing = run(script, { ...env, AGENT_TOKEN_FILE: join(dir, 'absent') });
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toContain('cannot be read (ENOENT)');
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const blank = run(script, { ...env, AGENT_TOKEN_FILE: empty });
    expect(await blank.exited).toBe(1);
    expect(blank.stderr()).toContain('is empty');
  });
});
