import { describe, expect, it } from 'vitest';
import { minorOf, skewLines } from './versions.ts';
import { lateNodes, median, ms, timingLine } from './timing.ts';

describe('versions', () => {
  it('reads minor versions', () => {
    expect(minorOf('v1.34.4')).toEqual({ major: 1, minor: 34 });
    expect(minorOf('v1.30.0-eks-1234')).toEqual({ major: 1, minor: 30 });
    expect(minorOf('unknown')).toBeUndefined();
  });

  it('states the skew of each component against the API server, nothing when equal', () => {
    const lines = skewLines('v1.34.4', [
      { component: 'kubelet', where: 'node1', version: 'v1.34.1' },
      { component: 'kubelet', where: 'node2', version: 'v1.32.0' },
      { component: 'kube-proxy', where: 'node3', version: 'v1.35.0' },
      { component: 'kube-proxy', where: 'node4', version: '' },
    ]);
    expect(lines).toEqual([
      'kubelet on node2: v1.32.0 is 2 minor versions older than the API server v1.34.4',
      'kube-proxy on node3: v1.35.0 is 1 minor version NEWER than the API server v1.34.4',
      'kube-proxy on node4: version "" not comparable',
    ]);
  });
});

describe('timing', () => {
  it('takes medians and names nodes over the bound', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(ms(12_345)).toBe('12.3 s');
    const t = [
      { node: 'a', ms: 400 },
      { node: 'b', ms: 40_000 },
      { node: 'c', detail: 'Pending' },
    ];
    expect(lateNodes(t, 30_000).map((x) => x.node)).toEqual(['b', 'c']);
    expect(timingLine(t)).toBe('a 400 ms, b 40.0 s, c not within the bound (Pending)');
  });
});
