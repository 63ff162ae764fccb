import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../agent/agent.ts';
import { API_VERSION, type ProbeTarget } from '../../agent/protocol.ts';
import { MAX_EXEC_BODY_BYTES, createExecTransport, splitBySize, type ExecRunner } from './exec.ts';
import { TransportError } from './transport.ts';

const LOOPBACK = '127.0.0.1';
const agentAddress = (port: number) => ({ name: 'probe-0', namespace: 'sd-1', ports: { api: port } });

// Runs the command as the pod would, but here: the real script against a real agent on loopback.
function localRunner(commands: string[][]): ExecRunner {
  return {
    run(_agent, command, timeoutMs) {
      commands.push(command);
      const [program, ...args] = command;
      if (program !== 'node') throw new Error(`unexpected program ${program}`);
      return new Promise((resolve, reject) => {
        execFile(process.execPath, args, { timeout: timeoutMs }, (error, stdout) => (error && stdout === '' ? reject(error) : resolve(stdout)));
      });
    },
  };
}

describe('createExecTransport', () => {
  let agent: RunningAgent | undefined;
  afterEach(async () => agent?.close());

  async function start() {
    agent = await startAgent(
      { identity: { pod: 'probe-0', namespace: 'sd-1', node: 'node1', podIP: LOOPBACK }, httpPorts: [0], tcpPort: 0, udpPort: 0, listenAddress: LOOPBACK, ready: true },
      { log: () => {} },
    );
    return agent;
  }

  it('runs the batch with one node -e inside the pod, against the agent on 127.0.0.1', async () => {
    const running = await start();
    const commands: string[][] = [];
    const transport = createExecTransport(localRunner(commands));
    const response = await transport.probe(agentAddress(running.ports.api), [{ id: 'a', kind: 'tcp', host: LOOPBACK, port: running.ports.tcp, timeoutMs: 1000, payload: 'x' }]);
    expect(response.apiVersion).toBe(API_VERSION);
    expect(response.results[0]?.outcome).toBe('ok');
    expect(response.results[0]?.reply).toEqual({ pod: 'probe-0', text: 'x' });
    expect(commands).toHaveLength(1);
    expect(commands[0]?.slice(0, 2)).toEqual(['node', '-e']);
    await transport.setReady(agentAddress(running.ports.api), false);
    expect((await transport.info(agentAddress(running.ports.api))).ready).toBe(false);
  });

  it('reports an agent that does not answer inside the pod', async () => {
    const running = await start();
    const port = running.ports.api;
    await running.close();
    agent = undefined;
    const error = await createExecTransport(localRunner([])).info(agentAddress(port)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe('exec to sd-1/probe-0: GET /v1/info inside the pod failed: ECONNREFUSED');
  });
});

describe('splitBySize', () => {
  it('halves a request until each part fits in one argument, keeping the order of targets', () => {
    const targets: ProbeTarget[] = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}-${'x'.repeat(100)}`, kind: 'tcp', host: '10.0.0.1', port: 80, timeoutMs: 1000 }));
    const parts = splitBySize([{ apiVersion: API_VERSION, targets }]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_EXEC_BODY_BYTES)).toBe(true);
    expect(parts.flatMap((p) => p.targets)).toEqual(targets);
  });
});
