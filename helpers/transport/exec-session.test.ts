import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../agent/agent.ts';
import { API_VERSION } from '../../agent/protocol.ts';
import { LOOPBACK, TEST_TOKEN } from '../../agent/testing/loopback.ts';
import { createExecSessionTransport, type ChannelOpener, type LineChannel } from './exec-session.ts';
import { createFakeTransport } from './fake.ts';
import { TransportError } from './transport.ts';

const agent = { name: 'a', namespace: 'ns', ports: { api: 8080 }, token: TEST_TOKEN };

// Runs the command here as the pod would: the real loop script, stdin and stdout as the channel.
const localOpener =
  (commands: string[][]): ChannelOpener =>
  async (_agent, command) => {
    commands.push(command);
    const [, ...args] = command;
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    return {
      send: (line) => void child.stdin.write(`${line}\n`),
      onLine: (listener) => void lines.on('line', listener),
      onClose: (listener) => void child.on('exit', () => listener('the exec session closed')),
      close: () => void child.stdin.end(),
    };
  };
const target = { id: 't', kind: 'tcp' as const, host: '10.0.0.2', port: 9000, timeoutMs: 500 };

// A channel whose "pod" answers every probe request with ok, or stays silent, or closes.
function fakeOpener(behaviour: 'answer' | 'close'): { opener: ChannelOpener; opened: string[]; sent: string[] } {
  const opened: string[] = [];
  const sent: string[] = [];
  const opener: ChannelOpener = async (address) => {
    opened.push(address.name);
    const lines: ((line: string) => void)[] = [];
    const closes: ((reason: string) => void)[] = [];
    const channel: LineChannel = {
      send(line) {
        sent.push(line);
        const request = JSON.parse(line) as { id: number; body: string };
        if (behaviour === 'close') return void queueMicrotask(() => closes.forEach((c) => c('the exec session closed')));
        const body = JSON.parse(request.body) as { targets: { id: string; kind: string }[] };
        const response = {
          apiVersion: API_VERSION,
          pod: 'a',
          node: 'n',
          results: body.targets.map((t) => ({ id: t.id, kind: t.kind, outcome: 'ok', ms: 1, detail: '' })),
        };
        queueMicrotask(() => lines.forEach((l) => l(JSON.stringify({ id: request.id, status: 200, body: JSON.stringify(response) }))));
      },
      onLine: (listener) => void lines.push(listener),
      onClose: (listener) => void closes.push(listener),
      close: () => undefined,
    };
    return channel;
  };
  return { opener, opened, sent };
}

describe('exec session transport', () => {
  it('opens one session per pod and sends every call through it', async () => {
    const { opener, opened, sent } = fakeOpener('answer');
    const fallback = createFakeTransport(() => ({ outcome: 'refused', ms: 1, detail: '' }));
    const transport = createExecSessionTransport(opener, fallback);
    for (let i = 0; i < 3; i++) {
      const { results } = await transport.probe(agent, [target, { ...target, id: 'u' }]);
      expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok']);
    }
    expect(opened).toEqual(['a']);
    expect(sent).toHaveLength(3);
    expect(fallback.calls).toHaveLength(0);
  });

  it('falls back to one-shot calls when the session breaks, and reopens it next time', async () => {
    const { opener, opened } = fakeOpener('close');
    const fallback = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: 'fallback' }));
    const transport = createExecSessionTransport(opener, fallback);
    expect((await transport.probe(agent, [target])).results[0]?.detail).toBe('fallback');
    await transport.probe(agent, [target]);
    expect(opened).toEqual(['a', 'a']);
    expect(fallback.calls).toHaveLength(2);
  });

  it('runs the real loop against the agent, which reads the token from the mounted file: 200 with it, 401 without', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sd-session-'));
    const running = await startAgent(
      {
        identity: { pod: 'a', namespace: 'ns', node: 'n', podIP: LOOPBACK },
        httpPorts: [0],
        tcpPort: 0,
        udpPort: 0,
        listenAddress: LOOPBACK,
        ready: true,
        token: TEST_TOKEN,
      },
      { log: () => {} },
    );
    try {
      const good = join(dir, 'token');
      const bad = join(dir, 'bad');
      await writeFile(good, TEST_TOKEN);
      await writeFile(bad, 'b'.repeat(43));
      const commands: string[][] = [];
      const fallback = createFakeTransport(() => ({ outcome: 'refused', ms: 1, detail: '' }));
      const address = { ...agent, ports: { api: running.ports.api } };
      const transport = createExecSessionTransport(localOpener(commands), fallback, good);
      expect((await transport.info(address)).pod).toBe('a');
      await transport.setReady(address, false);
      expect((await fetch(`http://${LOOPBACK}:${running.ports.api}/healthz`)).status).toBe(503);
      await transport.setReady(address, true);
      expect(commands).toEqual([['node', '-e', expect.any(String), good]]);
      expect(commands.flat().join(' ')).not.toContain(TEST_TOKEN);
      await transport.close();

      const wrong = createExecSessionTransport(localOpener([]), fallback, bad);
      const error = await wrong.setReady(address, false).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as Error).message).toMatch(/PUT \/v1\/readiness answered HTTP 401/);
      expect((await fetch(`http://${LOOPBACK}:${running.ports.api}/healthz`)).status).toBe(200);
      expect(fallback.readiness.size).toBe(0);
      await wrong.close();
    } finally {
      await running.close();
      await rm(dir, { recursive: true });
    }
  });

  it('does not retry through the one-shot exec when the session could not be opened for a stated cause', async () => {
    const refused = new TransportError('exec', agent, 'the API server refused the exec: 403 Forbidden (needs create on pods/exec in ns)');
    let opens = 0;
    const opener: ChannelOpener = async () => {
      opens++;
      throw refused;
    };
    const fallback = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    const transport = createExecSessionTransport(opener, fallback);
    expect(await transport.probe(agent, [target]).catch((e: unknown) => e)).toBe(refused);
    expect(opens).toBe(1);
    expect(fallback.calls).toHaveLength(0);
  });
});
