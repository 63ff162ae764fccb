import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../agent/protocol.ts';
import { createExecSessionTransport, type ChannelOpener, type LineChannel } from './exec-session.ts';
import { createFakeTransport } from './fake.ts';

const agent = { name: 'a', namespace: 'ns', ports: { api: 8080 } };
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
        const response = { apiVersion: API_VERSION, pod: 'a', node: 'n', results: body.targets.map((t) => ({ id: t.id, kind: t.kind, outcome: 'ok', ms: 1, detail: '' })) };
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
});
