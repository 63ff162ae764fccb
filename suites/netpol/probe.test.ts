import { describe, expect, it } from 'vitest';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { expectTable, type ReachModel } from './model.ts';
import { pollTable, probeTable, type TablePod } from './probe.ts';

const model: ReachModel = { namespaces: ['x', 'y'], pods: ['a'], ports: [{ protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' }, { protocol: 'UDP', port: 9000, name: 'serve-9000-udp' }] };
const pods: TablePod[] = [
  { id: 'x/a', ip: '10.0.0.1', address: { name: 'a', namespace: 'ns-x', ports: { api: 8080 } } },
  { id: 'y/a', ip: '10.0.0.2', address: { name: 'a', namespace: 'ns-y', ports: { api: 8080 } } },
];

describe('probing a truth table', () => {
  it('sends one batch per source with every target and port', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    const observed = await probeTable(transport, model, pods, { timeoutMs: 500 });
    expect(transport.calls.map((c) => `${c.agent}:${c.targets.length}`)).toEqual(['a:4', 'a:4']);
    expect(transport.calls[0]?.targets.map((t) => t.kind)).toEqual(['tcp', 'tcp', 'udp', 'udp']);
    expect(observed.size).toBe(8);
  });

  it('polls until the table matches and reports how long it took', async () => {
    let clock = 0;
    let enforcedAt = 3;
    let steps = 0;
    const transport = createFakeTransport((agent, target) => {
      const blocked = steps >= enforcedAt && agent.namespace === 'ns-y' && 'host' in target && target.host === '10.0.0.1';
      return blocked ? { outcome: 'timeout', ms: 500, detail: '' } : { outcome: 'ok', ms: 1, detail: '' };
    });
    const step = async (timeoutMs: number) => {
      const observed = await probeTable(transport, model, pods, { timeoutMs });
      steps++;
      clock += 1000;
      return observed;
    };
    const expected = expectTable(model, [{ to: 'x', allowed: false }]);
    const polled = await pollTable(step, model, expected, { boundMs: 10_000, pollTimeoutMs: 500, finalTimeoutMs: 2000, now: () => clock });
    expect(polled).toMatchObject({ ok: true, steps: 4, elapsedMs: 4000 });
    enforcedAt = Infinity;
    steps = 0;
    clock = 0;
    const never = await pollTable(step, model, expected, { boundMs: 3000, pollTimeoutMs: 500, finalTimeoutMs: 2000, now: () => clock });
    expect(never.ok).toBe(false);
    expect(never.steps).toBe(4);
    expect(never.mismatches.map((m) => `${m.from}>${m.to} ${m.port}`)).toEqual(['y/a>x/a TCP/9000', 'y/a>x/a UDP/9000']);
  });

  it('marks the cells of a source it cannot ask as unknown, with the reason', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    transport.probe = async () => {
      throw new Error('exec to ns-x/a: no answer');
    };
    const observed = await probeTable(transport, model, pods, { timeoutMs: 500 });
    expect([...observed.values()].every((o) => o.error === 'exec to ns-x/a: no answer')).toBe(true);
  });
});
