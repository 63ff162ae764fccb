import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../agent/protocol.ts';
import { createFakeTransport } from '../transport/fake.ts';
import { EXPECT } from './expectations.ts';
import { runMatrix, type MatrixProbe } from './run-matrix.ts';

const agents = ['a', 'b'].map((name) => ({ name, namespace: 'ns', ports: { api: 8080 } }));

function probes(): MatrixProbe[] {
  return agents.flatMap((source) =>
    agents.map((target) => ({
      source,
      row: source.name,
      column: target.name,
      target: { id: `${source.name}>${target.name}`, kind: 'tcp', host: target.name, port: 9000, timeoutMs: 100 } satisfies ProbeTarget,
      expected: EXPECT.allowed,
    })),
  );
}

describe('runMatrix', () => {
  it('sends one batch per source agent', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    const run = await runMatrix(transport, probes());
    expect(transport.calls.map((call) => [call.agent, call.targets.length])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(run).toMatchObject({ attempts: 1, flaky: [] });
  });

  it('probes the whole matrix again once, and reports mismatches that cleared as flaky', async () => {
    let batches = 0;
    const transport = createFakeTransport((_agent, target) => ({ outcome: batches < 2 && target.id === 'a>b' ? 'timeout' : 'ok', ms: 1, detail: '' }));
    const original = transport.probe.bind(transport);
    transport.probe = async (agent, targets, options) => {
      const response = await original(agent, targets, options);
      batches++;
      return response;
    };
    const run = await runMatrix(transport, probes());
    expect(run.attempts).toBe(2);
    expect(run.flaky.map((cell) => `${cell.source}>${cell.target}`)).toEqual(['a>b']);
    expect(run.cells.every((cell) => cell.observed?.outcome === 'ok')).toBe(true);
    expect(transport.calls).toHaveLength(4);
  });

  it('marks every cell of a source whose batch could not be sent with the transport error', async () => {
    const transport = createFakeTransport((_agent, target) => ({ outcome: target.id === 'b>a' ? 'refused' : 'ok', ms: 1, detail: '' }));
    transport.probe = async (agent) => {
      throw new Error(`proxy to ns/${agent.name}: HTTP 503`);
    };
    const run = await runMatrix(transport, probes(), { retry: false });
    expect(run.cells.every((cell) => cell.observed === undefined && cell.error?.startsWith('proxy to ns/'))).toBe(true);
  });
});
