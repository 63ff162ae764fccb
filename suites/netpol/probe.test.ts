import { describe, expect, it } from 'vitest';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { expectTable, type ReachModel } from './model.ts';
import { pollTable, probeTable, type TablePod } from './probe.ts';

const model: ReachModel = {
  namespaces: ['x', 'y'],
  pods: ['a'],
  ports: [
    { protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' },
    { protocol: 'UDP', port: 9000, name: 'serve-9000-udp' },
  ],
};
const pods: TablePod[] = [
  { id: 'x/a', ip: '10.0.0.1', address: { name: 'a', namespace: 'ns-x', ports: { api: 8080 }, token: 't', node: 'node1' } },
  { id: 'y/a', ip: '10.0.0.2', address: { name: 'a', namespace: 'ns-y', ports: { api: 8080 }, token: 't', node: 'node2' } },
];

describe('probing a truth table', () => {
  it('sends one batch per source with every target and port', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    const observed = await probeTable(transport, model, pods, { timeoutMs: 500 });
    expect(transport.calls.map((c) => `${c.agent}:${c.targets.length}`)).toEqual(['a:4', 'a:4']);
    expect(transport.calls[0]?.targets.map((t) => t.kind)).toEqual(['tcp', 'tcp', 'udp', 'udp']);
    expect(observed.size).toBe(8);
  });

  it('polls until the table matches, with a growing interval, and reports how long it took', async () => {
    let clock = 0;
    let enforcedAfter = 3;
    const sleeps: number[] = [];
    // One round = one call per source (2 sources); each call costs 500 ms of the fake clock.
    const transport = createFakeTransport((agent, target) => {
      const round = Math.floor((transport.calls.length - 1) / 2);
      const blocked = round >= enforcedAfter && agent.namespace === 'ns-y' && 'host' in target && target.host === '10.0.0.1';
      return blocked ? { outcome: 'timeout', ms: 500, detail: '' } : { outcome: 'ok', ms: 1, detail: '' };
    });
    const probe = transport.probe.bind(transport);
    transport.probe = async (agent, targets, options) => {
      clock += 250;
      return probe(agent, targets, options);
    };
    const options = { pollTimeoutMs: 500, finalTimeoutMs: 2000, now: () => clock, sleep: async (ms: number) => void (sleeps.push(ms), (clock += ms)) };
    const expected = expectTable(model, [{ to: 'x', allowed: false }]);
    const polled = await pollTable(transport, model, pods, expected, { ...options, boundMs: 10_000 });
    expect(polled).toMatchObject({ ok: true, steps: 4, flaky: 0 });
    expect(sleeps).toEqual([100, 150, 225]);
    expect(polled.elapsedMs).toBe(4 * 500 + 100 + 150 + 225);
    // Blocked cells are probed with the short poll timeout; allowed ones with the quick timeout while polling.
    const lastCall = transport.calls.at(-1);
    expect(lastCall?.targets.map((t) => t.timeoutMs)).toEqual([500, 500, 500, 500]);
    expect(polled.lastStepMs).toBe(500);

    enforcedAfter = Infinity;
    transport.calls.length = 0;
    clock = 0;
    sleeps.length = 0;
    const never = await pollTable(transport, model, pods, expected, { ...options, boundMs: 3000 });
    expect(never.ok).toBe(false);
    // Rounds until the bound, then the whole table once more with full timeouts.
    expect(never.steps).toBeGreaterThanOrEqual(3);
    expect(transport.calls.at(-1)?.targets.map((t) => t.timeoutMs)).toEqual([500, 2000, 500, 2000]);
    expect(never.mismatches.map((m) => `${m.from}>${m.to} ${m.port}`)).toEqual(['y/a>x/a TCP/9000', 'y/a>x/a UDP/9000']);
    // Every mismatch comes from the one source on node2 toward x: the origin says so.
    expect(never.origin).toBeDefined();
  });

  it('marks the cells of a source it cannot ask as unknown, with the reason', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    transport.probe = async () => {
      throw new Error('exec to ns-x/a: no answer');
    };
    const observed = await probeTable(transport, model, pods, { timeoutMs: 500 });
    expect([...observed.values()].every((o) => o.error === 'exec to ns-x/a: no answer')).toBe(true);
  });

  it('never spins on a transport that fails at once: rounds back off to 1 s until the bound', async () => {
    let clock = 0;
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    let calls = 0;
    transport.probe = async () => {
      calls++;
      throw new Error('exec to ns-x/a: the API server refused the exec: 403 Forbidden');
    };
    const polled = await pollTable(transport, model, pods, expectTable(model, []), {
      boundMs: 30_000,
      pollTimeoutMs: 1000,
      finalTimeoutMs: 2000,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    expect(polled.ok).toBe(false);
    // 100, 150, 225, ... 1000 ms: about 35 rounds in 30 s, one call per source each, then the re-probe.
    expect(polled.steps).toBeLessThanOrEqual(40);
    expect(calls).toBe(polled.steps * 2);
    expect([...polled.observed.values()].every((o) => o.error?.includes('403 Forbidden') === true)).toBe(true);
  });
});
