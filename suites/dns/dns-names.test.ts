import { describe, expect, it } from 'vitest';
import { bare, clusterDomainOf, ndotsOf, reverseName, searchCandidates } from './dns-names.ts';

const kubelet = { search: ['run-ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] };

describe('ndotsOf', () => {
  it('reads ndots from the options, defaulting to 1 and capped at 15 like glibc', () => {
    expect(ndotsOf(kubelet)).toBe(5);
    expect(ndotsOf({ options: [] })).toBe(1);
    expect(ndotsOf({ options: ['ndots:2', 'timeout:1', 'ndots:30'] })).toBe(15);
  });
});

describe('searchCandidates', () => {
  it('tries the search domains first for a name with fewer dots than ndots', () => {
    expect(searchCandidates('web', kubelet)).toEqual(['web.run-ns.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    expect(searchCandidates('web.other', kubelet)).toEqual([
      'web.other.run-ns.svc.cluster.local',
      'web.other.svc.cluster.local',
      'web.other.cluster.local',
      'web.other',
    ]);
  });
  it('with ndots:5 even a full cluster name without a trailing dot walks the search path first', () => {
    expect(searchCandidates('web.other.svc.cluster.local', kubelet)[0]).toBe('web.other.svc.cluster.local.run-ns.svc.cluster.local');
    expect(searchCandidates('web.other.svc.cluster.local', kubelet).at(-1)).toBe('web.other.svc.cluster.local');
  });
  it('asks a name with at least ndots dots as it is first', () => {
    expect(searchCandidates('a.b.c', { search: ['x.local'], options: ['ndots:2'] })).toEqual(['a.b.c', 'a.b.c.x.local']);
  });
  it('asks a name with a trailing dot only as it is', () => {
    expect(searchCandidates('web.other.svc.cluster.local.', kubelet)).toEqual(['web.other.svc.cluster.local']);
  });
});

describe('clusterDomainOf', () => {
  it('reads the cluster domain from the search path, whatever it is', () => {
    expect(clusterDomainOf(kubelet)).toBe('cluster.local');
    expect(clusterDomainOf({ search: ['ns.svc.k8s.example.', 'svc.k8s.example.', 'k8s.example.'] })).toBe('k8s.example');
    expect(clusterDomainOf({ search: ['ns.svc.corp.internal'] }, 'ns')).toBe('corp.internal');
    expect(clusterDomainOf({ search: ['example.com'] })).toBeUndefined();
  });
});

describe('reverseName', () => {
  it('builds in-addr.arpa and ip6.arpa questions', () => {
    expect(reverseName('10.96.0.10')).toBe('10.0.96.10.in-addr.arpa');
    expect(reverseName('fd00:5d::2')).toBe(`2.0.0.0${'.0'.repeat(20)}.d.5.0.0.0.0.d.f.ip6.arpa`);
    expect(() => reverseName('web')).toThrow('not an IP');
  });
  it('compares names without the trailing dot', () => {
    expect(bare('Web.NS.svc.cluster.local.')).toBe('web.ns.svc.cluster.local');
  });
});
