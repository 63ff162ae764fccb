import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../agent/agent.ts';
import { TEST_TOKEN } from '../../agent/testing/loopback.ts';
import { API_VERSION, type ProbeTarget } from '../../agent/protocol.ts';
import { KubeConfig, type Exec, type V1Status } from '@kubernetes/client-node';
import type { Writable } from 'node:stream';
import { createThrottle } from '../kube/throttle.ts';
import { createExecGate } from './exec-open.ts';
import { MAX_EXEC_BODY_BYTES, createExecTransport, kubeExecRunner, splitBySize, type ExecRunner } from './exec.ts';
import { TransportError } from './transport.ts';

const LOOPBACK = '127.0.0.1';
const agentAddress = (port: number) => ({ name: 'probe-0', namespace: 'sd-1', ports: { api: port }, token: TEST_TOKEN });

// Runs the command as the pod would, but here: the real script against a real agent on loopback.
function localRunner(commands: string[][]): ExecRunner {
  return {
    run(_agent, command, timeoutMs) {
      commands.push(command);
      const [program, ...args] = command;
      if (program !== 'node') throw new Error(`unexpected program ${program}`);
      return new Promise((resolve, reject) => {
        execFile(process.execPath, args, { timeout: timeoutMs }, (error, stdout) =>
          error && stdout === '' ? reject(new Error(error.message, { cause: error })) : resolve(stdout),
        );
      });
    },
  };
}

describe('createExecTransport', () => {
  let agent: RunningAgent | undefined;
  let dir: string;
  // Stands for the Secret mounted in the pod.
  let tokenFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-exec-'));
    tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TEST_TOKEN}\n`);
  });
  afterAll(() => rm(dir, { recursive: true }));
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  async function start() {
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
    return agent;
  }

  it('runs the batch with one node -e inside the pod, against the agent on 127.0.0.1', async () => {
    const running = await start();
    const commands: string[][] = [];
    const transport = createExecTransport(localRunner(commands), tokenFile);
    const response = await transport.probe(agentAddress(running.ports.api), [
      { id: 'a', kind: 'tcp', host: LOOPBACK, port: running.ports.tcp, timeoutMs: 1000, payload: 'x' },
    ]);
    expect(response.apiVersion).toBe(API_VERSION);
    expect(response.results[0]?.outcome).toBe('ok');
    expect(response.results[0]?.reply).toEqual({ pod: 'probe-0', text: 'x' });
    expect(commands).toHaveLength(1);
    expect(commands[0]?.slice(0, 2)).toEqual(['node', '-e']);
    // The helper reads the token from the mounted Secret inside the pod: it is on no command line.
    expect(commands[0]?.at(-1)).toBe(tokenFile);
    expect(commands.flat().join(' ')).not.toContain(TEST_TOKEN);
    await transport.setReady(agentAddress(running.ports.api), false);
    expect((await transport.info(agentAddress(running.ports.api))).ready).toBe(false);
  });

  it('reports an agent that does not answer inside the pod', async () => {
    const running = await start();
    const port = running.ports.api;
    await running.close();
    agent = undefined;
    const error = await createExecTransport(localRunner([]), tokenFile)
      .info(agentAddress(port))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe('exec to sd-1/probe-0: GET /v1/info inside the pod failed: ECONNREFUSED');
  });

  it('says so when the pod has no token mounted, and gets 401 with a wrong one', async () => {
    const running = await start();
    const missing = await createExecTransport(localRunner([]), join(dir, 'absent'))
      .info(agentAddress(running.ports.api))
      .catch((e: unknown) => e);
    expect((missing as Error).message).toBe('exec to sd-1/probe-0: GET /v1/info inside the pod failed: ENOENT');
    const wrong = join(dir, 'wrong');
    await writeFile(wrong, 'w'.repeat(43));
    const refused = await createExecTransport(localRunner([]), wrong)
      .setReady(agentAddress(running.ports.api), false)
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^exec to sd-1\/probe-0: PUT \/v1\/readiness answered HTTP 401: /);
    expect((await fetch(`http://${LOOPBACK}:${running.ports.api}/healthz`)).status).toBe(200);
  });

  it('passes a failure to open the exec on as it is, naming the cause', async () => {
    const refused = new TransportError('exec', agentAddress(1), 'the API server refused the exec: 403 Forbidden (needs create on pods/exec in sd-1)');
    const runner: ExecRunner = { run: () => Promise.reject(refused) };
    expect(
      await createExecTransport(runner)
        .info(agentAddress(1))
        .catch((e: unknown) => e),
    ).toBe(refused);
  });
});

describe('kubeExecRunner', () => {
  // client-node's Exec, scripted: writes the output and the status, and a socket that never closes
  // (as when the close handshake is lost).
  function fakeExec(opened: string[]): Pick<Exec, 'exec'> {
    return {
      async exec(_ns, pod, _container, _command, stdout, _stderr, _stdin, _tty, status) {
        opened.push(pod);
        setTimeout(() => {
          (stdout as Writable).write('{"status":200,"body":"{}"}');
          status?.({ status: 'Success' } as V1Status);
        }, 5);
        return { readyState: 1, close: () => {}, on: () => {} } as unknown as Awaited<ReturnType<Exec['exec']>>;
      },
    };
  }

  it('ends a command when its status arrives, without waiting for the socket to close', async () => {
    const opened: string[] = [];
    const runner = kubeExecRunner(new KubeConfig(), { exec: fakeExec(opened) });
    const started = performance.now();
    expect(await runner.run(agentAddress(1), ['node', '-e', 'x'], 20_000)).toBe('{"status":200,"body":"{}"}');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(opened).toEqual(['probe-0']);
  });

  it("opens every exec through the run's rate limit", async () => {
    let t = 0;
    const upgrades: number[] = [];
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
    const gate = createExecGate({ throttle: createThrottle({ qps: 2, burst: 1, ...clock }), ...clock });
    const exec = fakeExec([]);
    const runner = kubeExecRunner(new KubeConfig(), { gate, exec: { exec: (...args: Parameters<Exec['exec']>) => (upgrades.push(t), exec.exec(...args)) } });
    for (let i = 0; i < 3; i++) await runner.run(agentAddress(1), ['node'], 20_000);
    expect(upgrades).toEqual([0, 500, 1000]);
  });
});

describe('splitBySize', () => {
  it('halves a request until each part fits in one argument, keeping the order of targets', () => {
    const targets: ProbeTarget[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `t${i}-${'x'.repeat(100)}`,
      kind: 'tcp',
      host: '10.0.0.1',
      port: 80,
      timeoutMs: 1000,
    }));
    const parts = splitBySize([{ apiVersion: API_VERSION, targets }]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_EXEC_BODY_BYTES)).toBe(true);
    expect(parts.flatMap((p) => p.targets)).toEqual(targets);
  });
});
