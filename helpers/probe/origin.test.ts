import { describe, expect, it } from 'vitest';
import { findOrigin, type Observation } from './origin.ts';

const obs = (ok: boolean, facets: Record<string, string>, seen?: string): Observation => ({ ok, facets, ...(seen === undefined ? {} : { seen }) });

// Every source node asks every server over both protocols; `fails` decides which observations fail.
function grid(fails: (f: Record<string, string>) => boolean, seen = 'timeout'): Observation[] {
  const out: Observation[] = [];
  for (const node of ['node1', 'node2', 'node3']) {
    for (const server of ['service', 'coredns-a', 'coredns-b']) {
      for (const protocol of ['udp', 'tcp']) {
        const facets = { 'source-node': node, server, protocol };
        const failed = fails(facets);
        out.push(obs(!failed, facets, failed ? seen : undefined));
      }
    }
  }
  return out;
}

describe('findOrigin', () => {
  it('names one source node when every failure comes from it and its peers succeed', () => {
    const origin = findOrigin(
      grid((f) => f['source-node'] === 'node2'),
      {
        noun: { one: 'query', many: 'queries' },
        conclude: ({ values }) => `the path from ${values.join(', ')} to the DNS servers is blocked`,
      },
    );
    expect(origin).toEqual({
      dimension: 'source-node',
      value: 'node2',
      confidence: 'high',
      summary:
        'all 6 queries from pods on node2 fail (timeout); the 12 queries from pods on node1 and node3 succeed: the path from node2 to the DNS servers is blocked',
    });
  });

  it('names one replica when only it fails, from every node', () => {
    const origin = findOrigin(grid((f) => f.server === 'coredns-b'));
    expect(origin?.dimension).toBe('server');
    expect(origin?.value).toBe('coredns-b');
    expect(origin?.confidence).toBe('high');
    expect(origin?.summary).toContain('to coredns-b fail');
  });

  it('names a pair when only large payloads from one node fail (an MTU black hole on that path)', () => {
    const observations: Observation[] = [];
    for (const node of ['node1', 'node2']) {
      for (const payload of ['small', 'large']) {
        for (const target of ['a', 'b']) {
          const facets = { 'source-node': node, payload, target };
          observations.push(obs(!(node === 'node2' && payload === 'large'), facets, 'timeout'));
        }
      }
    }
    const origin = findOrigin(observations);
    expect(origin?.dimension).toBe('source-node & payload');
    expect(origin?.value).toBe('node2 & large');
    expect(origin?.confidence).toBe('medium');
    expect(origin?.summary).toMatch(/^all 2 probes from pods on node2 with large payloads fail \(timeout\); the 6 probes/);
  });

  it('names several values, with less confidence, when two nodes fail and one works', () => {
    const origin = findOrigin(grid((f) => f['source-node'] !== 'node1'));
    expect(origin).toMatchObject({ dimension: 'source-node', value: 'node2, node3', confidence: 'medium' });
    expect(origin?.summary).toContain('from pods on node2 and node3 fail');
  });

  it('says a twin dimension groups the same observations (one pod per node)', () => {
    const observations = ['node1', 'node2'].flatMap((node, i) =>
      ['x', 'y'].map((target) => obs(node !== 'node2', { 'source-node': node, source: `probe-${i}`, target })),
    );
    const origin = findOrigin(observations);
    expect(origin?.dimension).toBe('source-node');
    expect(origin?.summary).toContain('(the same probes as source probe-1)');
  });

  it('has nothing to name when everything fails, nothing fails, or no dimension splits the failures cleanly', () => {
    expect(findOrigin(grid(() => true))).toBeUndefined();
    expect(findOrigin(grid(() => false))).toBeUndefined();
    // node2/udp and node3/tcp: no single dimension and no single pair explains both.
    expect(
      findOrigin(grid((f) => (f['source-node'] === 'node2' && f.protocol === 'udp') || (f['source-node'] === 'node3' && f.protocol === 'tcp'))),
    ).toBeUndefined();
  });

  it('is less sure with a single failing observation', () => {
    const origin = findOrigin([
      obs(false, { 'source-node': 'node2' }, 'refused'),
      obs(true, { 'source-node': 'node1' }),
      obs(true, { 'source-node': 'node3' }),
    ]);
    expect(origin?.confidence).toBe('medium');
    expect(origin?.summary).toBe('the one probe from pods on node2 fails (refused); the 2 probes from pods on node1 and node3 succeed');
  });

  it('ignores a dimension some observations lack', () => {
    const origin = findOrigin([
      obs(false, { 'source-node': 'node2', port: '80' }),
      obs(false, { 'source-node': 'node2' }),
      obs(true, { 'source-node': 'node1', port: '80' }),
    ]);
    expect(origin?.dimension).toBe('source-node');
  });
});
