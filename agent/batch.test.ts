import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from './batch.ts';
import { createTcpEcho } from './echo-tcp.ts';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import type { Prober } from './probe.ts';
import { API_VERSION } from './protocol.ts';
import type { ProbeTarget, TcpTarget } from './protocol.ts';
import type { Resolve } from './destinations.ts';
import { LOOPBACK, closedTcpPort, tcpServer, udpServer } from './testing/loopback.ts';

const identity = { pod: 'probe-a', namespace: 'ns', node: 'node-1', podIP: '10.0.0.5' };

function tcpTargets(count: number, port: number): TcpTarget[] {
  return Array.from({ length: count }, (_, index) => ({ kind: 'tcp', id: `t${index}`, timeoutMs: 300, host: LOOPBACK, port }));
}

/** A prober that counts calls in flight; target n answers after (count - n) ms so later targets finish first. */
function countingProber(count: number): { probe: Prober; peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  const probe: Prober = async (target) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, count - Number(target.id.slice(1))));
    inFlight -= 1;
    return { id: target.id, kind: target.kind, outcome: 'ok', ms: 0, detail: '' };
  };
  return { probe, peak: () => peak };
}

describe('runBatch', () => {
  let echo: Listening;
  beforeAll(async () => {
    echo = await startListening(createTcpEcho('probe-b'), 0, LOOPBACK);
  });
  afterAll(() => echo.close());

  it('runs real probes and returns results in target order, tagged with the pod and node', async () => {
    const closed = await closedTcpPort();
    const targets: ProbeTarget[] = [
      { kind: 'tcp', id: 'open', timeoutMs: 1000, host: LOOPBACK, port: echo.port },
      { kind: 'tcp', id: 'closed', timeoutMs: 1000, host: LOOPBACK, port: closed },
      { kind: 'tcp', id: 'open-again', timeoutMs: 1000, host: LOOPBACK, port: echo.port, payload: 'second' },
    ];
    const response = await runBatch({ apiVersion: API_VERSION, targets }, identity);
    expect(response.apiVersion).toBe(API_VERSION);
    expect(response.pod).toBe('probe-a');
    expect(response.node).toBe('node-1');
    expect(response.results.map((result) => [result.id, result.outcome, result.reply?.pod])).toEqual([
      ['open', 'ok', 'probe-b'],
      ['closed', 'refused', undefined],
      ['open-again', 'ok', 'probe-b'],
    ]);
  });

  it('bounds concurrency by the request and keeps order when later targets finish first', async () => {
    const counter = countingProber(40);
    const response = await runBatch({ apiVersion: API_VERSION, concurrency: 5, targets: tcpTargets(40, 1) }, identity, { probe: counter.probe });
    expect(counter.peak()).toBe(5);
    expect(response.results.map((result) => result.id)).toEqual(tcpTargets(40, 1).map((target) => target.id));
  });

  it('runs at most 64 probes at once by default', async () => {
    const counter = countingProber(100);
    await runBatch({ apiVersion: API_VERSION, targets: tcpTargets(100, 1) }, identity, { probe: counter.probe });
    expect(counter.peak()).toBe(64);
  });

  it('stops when its signal aborts: the running probe sees the abort, later targets never start', async () => {
    const client = new AbortController();
    const started: string[] = [];
    let runningSawAbort = false;
    const probe: Prober = (target, context) => {
      started.push(target.id);
      if (target.id === 't1') client.abort(new Error('client gone'));
      return new Promise((resolve) => {
        const done = () => resolve({ id: target.id, kind: target.kind, outcome: 'error', ms: 0, detail: 'cancelled' });
        if (context?.signal?.aborted === true) {
          runningSawAbort = true;
          done();
        } else {
          context?.signal?.addEventListener('abort', () => ((runningSawAbort = true), done()), { once: true });
        }
      });
    };
    const running = runBatch({ apiVersion: API_VERSION, concurrency: 2, targets: tcpTargets(10, 1) }, identity, { probe, signal: client.signal });
    await expect(running).rejects.toThrow('client gone');
    expect(started).toEqual(['t0', 't1']);
    expect(runningSawAbort).toBe(true);
  });

  it('refuses every kind of target whose name resolves to a refused address, and connects nowhere', async () => {
    let connections = 0;
    let datagrams = 0;
    const tcp = await tcpServer(() => connections++);
    const udp = await udpServer(() => datagrams++);
    // Only this resolver knows the name: a refusal (not a DNS error) shows the probe's socket used it.
    const resolve: Resolve = (hostname, _options, callback) =>
      hostname === 'rebind.test'
        ? callback(null, [{ address: LOOPBACK, family: 4 }])
        : callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    try {
      const targets: ProbeTarget[] = [
        { kind: 'tcp', id: 'tcp', timeoutMs: 500, host: 'rebind.test', port: tcp.port },
        { kind: 'http', id: 'http', timeoutMs: 500, url: `http://rebind.test:${tcp.port}/` },
        { kind: 'tls', id: 'tls', timeoutMs: 500, host: 'rebind.test', port: tcp.port },
        { kind: 'udp', id: 'udp', timeoutMs: 500, host: 'rebind.test', port: udp.port },
        { kind: 'dns', id: 'dns-udp', timeoutMs: 500, server: 'rebind.test', port: udp.port, name: 'x', type: 'A', transport: 'udp' },
        { kind: 'dns', id: 'dns-tcp', timeoutMs: 500, server: 'rebind.test', port: tcp.port, name: 'x', type: 'A', transport: 'tcp' },
      ];
      const response = await runBatch({ apiVersion: API_VERSION, targets }, identity, { destinations: { podNameservers: [], resolve } });
      expect(response.results.map((result) => [result.id, result.outcome, result.code])).toEqual(
        targets.map((target) => [target.id, 'error', 'AGENT_TARGET_REFUSED']),
      );
      expect(response.results[0]?.detail).toBe('refused target 127.0.0.1: a loopback address (the pod itself), where probes may not go');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect([connections, datagrams]).toEqual([0, 0]);
    } finally {
      await Promise.all([tcp.close(), udp.close()]);
    }
  });
});
