import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../agent/protocol.ts';
import { createFakeTransport } from '../transport/fake.ts';
import { EXPECT, answeredBy } from './expectations.ts';
import { RUNNER, failReach, reach, renderDifference, reproduceCell, type Cell } from './reach.ts';
import { failingCheck } from '../testing/failing-check.ts';

const agents = ['node1', 'node2'].map((node, i) => ({ name: `probe-${i}`, namespace: 'run', ports: { api: 8080 }, token: 't', node }));
const backends = ['node1', 'node2'].map((node, i) => ({ pod: `b-${i}`, node, ip: `10.244.${i}.5` }));

function cells(): Cell[] {
  return agents.flatMap((source) =>
    backends.map((backend) => ({
      source,
      row: source.node,
      column: backend.node,
      target: { id: 'x', kind: 'http', url: `http://${backend.ip}:8080/`, timeoutMs: 2000 } satisfies ProbeTarget,
      expect: answeredBy({ pod: backend.pod }),
      facets: { 'source-node': source.node, 'target-node': backend.node },
    })),
  );
}

const instant = {
  now: (() => {
    let t = 0;
    return () => (t += 100);
  })(),
  sleep: async () => {},
};

function echoFrom(ip: string) {
  const backend = backends.find((b) => ip.includes(b.ip));
  return {
    outcome: 'ok' as const,
    ms: 2,
    detail: '',
    http: {
      status: 200,
      headers: {},
      echo: {
        pod: backend?.pod ?? '?',
        port: 8080,
        namespace: 'x',
        node: backend?.node ?? '?',
        podIP: backend?.ip ?? '',
        clientIP: '1.1.1.1',
        clientPort: 1,
        method: 'GET',
        path: '/',
        host: '',
        headers: {},
      },
    },
  };
}

describe('reach', () => {
  it('sends one batch per source per round and stops as soon as every cell holds', async () => {
    const transport = createFakeTransport((_agent, target) => echoFrom(target.kind === 'http' ? target.url : ''));
    const run = await reach(transport, cells(), instant);
    expect(run).toMatchObject({ mismatches: [], flaky: [], rounds: 1 });
    expect(transport.calls.map((call) => [call.agent, call.targets.length])).toEqual([
      ['probe-0', 2],
      ['probe-1', 2],
    ]);
    // While polling, cells that expect an answer use the short timeout.
    expect(transport.calls[0]?.targets[0]?.timeoutMs).toBe(600);
  });

  it('polls with backoff until the deadline, re-probes the whole table once with full timeouts, and reports what cleared as flaky', async () => {
    let round = 0;
    const sleeps: number[] = [];
    const transport = createFakeTransport((agent, target) =>
      round >= 4 && agent.name === 'probe-1' && target.id === 'c2' ? echoFrom(backends[0]?.ip ?? '') : { outcome: 'timeout', ms: 600, detail: '' },
    );
    const original = transport.probe.bind(transport);
    transport.probe = async (agent, targets, options) => {
      if (agent.name === 'probe-0') round++;
      return original(agent, targets, options);
    };
    let t = 0;
    const run = await reach(transport, cells(), { now: () => (t += 1000), sleep: async (ms) => void sleeps.push(ms), policy: { deadlineMs: 3000 } });
    expect(sleeps).toEqual([200, 300]);
    expect(run.rounds).toBe(4);
    expect(transport.calls.at(-1)?.targets[0]?.timeoutMs).toBe(2000);
    expect(run.mismatches).toHaveLength(3);
    expect(run.flaky.map((cell) => `${cell.row}>${cell.column}`)).toEqual(['node2>node1']);
  });

  it('marks every cell of a source that cannot be asked as unknown, without throwing', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    transport.probe = async (agent) => {
      throw new Error(`proxy to run/${agent.name}: HTTP 503`);
    };
    const run = await reach(transport, cells(), { ...instant, policy: { deadlineMs: 0 } });
    expect(run.mismatches.every((cell) => cell.error?.startsWith('proxy to run/') && cell.judgement.classification === 'error')).toBe(true);
    expect(renderDifference(run.cells)).toBe(['       node1 node2', 'node1  ?     ?', 'node2  ?     ?'].join('\n'));
  });

  it('fails naming the origin of the mismatches, with the tables and a reproduce command for every mismatching cell', async () => {
    // Every probe from pods on node2 times out; every probe from node1 is answered.
    const transport = createFakeTransport((agent, target) =>
      agent.node === 'node2' ? { outcome: 'timeout', ms: 2000, detail: 'no answer' } : echoFrom(target.kind === 'http' ? target.url : ''),
    );
    const run = await reach(transport, cells(), { ...instant, policy: { deadlineMs: 0 } });
    const c = failingCheck();
    await expect(failReach(c, run, { what: 'Service probes' })).rejects.toThrow();
    expect(c.failure?.classification).toBe('timeout');
    expect(c.failure?.details.origin).toMatchObject({ dimension: 'source-node', value: 'node2', confidence: 'high' });
    expect(c.failure?.message).toBe(
      '2 of 4 Service probes not as expected, twice: all 2 probes from pods on node2 fail (timeout); the 2 probes from pods on node1 succeed',
    );
    const mismatches = c.failure?.details.evidence?.find((e) => e.label.startsWith('mismatches'))?.text ?? '';
    expect(mismatches.match(/kubectl -n run exec probe-1 -c agent -- node -e/g)).toHaveLength(2);
    expect(c.failure?.details.evidence?.find((e) => e.label === 'observed')?.text).toBe(['       node1 node2', 'node1  .     .', 'node2  X     X'].join('\n'));
  });

  it('judges the layer below before the component above: its failure replaces the origin and cause, its passing is said', async () => {
    const transport = createFakeTransport((agent, target) =>
      agent.node === 'node2' ? { outcome: 'timeout', ms: 2000, detail: 'no answer' } : echoFrom(target.kind === 'http' ? target.url : ''),
    );
    const run = await reach(transport, cells(), { ...instant, policy: { deadlineMs: 0 } });
    const route = {
      dimension: 'pair',
      value: 'node1 <-> node2',
      summary: 'the pod network below fails: node1 <-> node2 drops everything',
      confidence: 'high' as const,
      suspect: 'the pod network between node1 and node2',
    };
    const failing = failingCheck();
    await expect(
      failReach(failing, run, {
        what: 'Service probes',
        likelyCause: () => 'kube-proxy on node2',
        below: async () => ({ below: 'fails', origin: route, likelyCause: 'the layer below fails', evidence: [{ label: 'the layer below', text: 'X' }] }),
      }),
    ).rejects.toThrow();
    expect(failing.failure?.details.origin).toEqual(route);
    expect(failing.failure?.details.likelyCause).toBe('the layer below fails');
    expect(failing.failure?.message).toMatch(
      /all 2 probes from pods on node2 fail \(timeout\); the 2 probes from pods on node1 succeed; the pod network below fails: node1 <-> node2 drops everything$/,
    );
    expect(failing.failure?.details.evidence?.map((e) => e.label)).toContain('the layer below');

    const ruledOut = failingCheck();
    await expect(
      failReach(ruledOut, run, {
        what: 'Service probes',
        likelyCause: () => 'kube-proxy on node2',
        below: async () => ({ below: 'passes', ruledOut: 'the pod network below is ruled out', evidence: [] }),
      }),
    ).rejects.toThrow();
    expect(ruledOut.failure?.details.origin).toMatchObject({ dimension: 'source-node', value: 'node2' });
    expect(ruledOut.failure?.details.likelyCause).toBe('kube-proxy on node2; the pod network below is ruled out');
  });

  it('probes from the runner too, and says how to reproduce with curl', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
    const cell: Cell = {
      source: RUNNER,
      row: 'runner',
      column: 'node1',
      target: { id: 'r', kind: 'http', url: 'http://10.0.0.1:30080/', timeoutMs: 3000 },
      expect: EXPECT.refused,
      facets: {},
    };
    const run = await reach(transport, [cell], {
      ...instant,
      policy: { deadlineMs: 0 },
      runner: async (target) => ({ id: target.id, kind: 'http', outcome: 'refused', ms: 1, detail: '' }),
    });
    expect(run.mismatches).toEqual([]);
    expect(transport.calls).toEqual([]);
    expect(reproduceCell(cell)).toBe('curl -sS -m 3 http://10.0.0.1:30080/');
  });
});
