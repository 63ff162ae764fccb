import { describe, expect, it } from 'vitest';
import { checkPattern, editDistance, globMatches, nearestIds, substringDistance, typedName, type CheckId } from './check-pattern.ts';

const IDS: CheckId[] = [
  { suite: 'dns', check: 'CoreDNS replicas are ready and behind the DNS Service' },
  { suite: 'dns', check: 'SRV records for named ports' },
  { suite: 'dns', check: 'load › a short burst of lookups: latency, errors and the 5 s race' },
  { suite: 'smoke', check: 'pod to pod over HTTP, TCP and UDP' },
  { suite: 'netpol', check: 'truth tables › NetworkPolicy is enforced (default deny ingress)' },
  { suite: 'services', check: 'port != targetPort, and a named targetPort' },
];

const matching = (pattern: string): string[] => IDS.filter((id) => checkPattern(pattern).matches(id)).map(typedName);

describe('checkPattern', () => {
  it('matches SUITE/CHECK TITLE and the stable id SUITE › CHECK TITLE, whole, in any case', () => {
    expect(matching('dns/SRV records for named ports')).toEqual(['dns/SRV records for named ports']);
    expect(matching('dns › SRV records for named ports')).toEqual(['dns/SRV records for named ports']);
    expect(matching('DNS/srv RECORDS for named ports')).toEqual(['dns/SRV records for named ports']);
    // Whole: a part of a title is no match without a *.
    expect(matching('dns/SRV records')).toEqual([]);
    expect(matching('SRV records for named ports')).toEqual([]);
  });

  it('takes * for any text, groups and separators included, and ? for one character', () => {
    expect(matching('dns/*')).toEqual([
      'dns/CoreDNS replicas are ready and behind the DNS Service',
      'dns/SRV records for named ports',
      'dns/load › a short burst of lookups: latency, errors and the 5 s race',
    ]);
    expect(matching('*/load › *')).toEqual(['dns/load › a short burst of lookups: latency, errors and the 5 s race']);
    expect(matching('netpol/truth tables*')).toEqual(['netpol/truth tables › NetworkPolicy is enforced (default deny ingress)']);
    expect(matching('*UDP')).toEqual(['smoke/pod to pod over HTTP, TCP and UDP']);
    expect(matching('sm?ke/*')).toEqual(['smoke/pod to pod over HTTP, TCP and UDP']);
    expect(matching('*')).toHaveLength(IDS.length);
  });

  it('takes " > " for " › ", and nothing else as special: parentheses, dots, brackets are text', () => {
    expect(matching('netpol > truth tables > NetworkPolicy is enforced (default deny ingress)')).toEqual([
      'netpol/truth tables › NetworkPolicy is enforced (default deny ingress)',
    ]);
    expect(matching('services/port != targetPort, and a named targetPort')).toHaveLength(1);
    expect(matching('dns/load › a short burst of lookups: latency, errors and the 5 s race')).toHaveLength(1);
    expect(matching('dns/load › a short burst of lookups: latency, errors and the . s race')).toEqual([]);
  });

  it('keeps the pattern as written, trimmed', () => {
    expect(checkPattern('  dns/*  ').text).toBe('dns/*');
  });
});

describe('nearestIds', () => {
  const nearest = (pattern: string) => nearestIds(pattern, IDS).map(typedName);

  it('names the checks of the suite a misspelt suite name meant', () => {
    expect(nearest('dsn/*')).toEqual([
      'dns/CoreDNS replicas are ready and behind the DNS Service',
      'dns/SRV records for named ports',
      'dns/load › a short burst of lookups: latency, errors and the 5 s race',
    ]);
  });

  it('puts the title a misspelt title meant first', () => {
    expect(nearest('dns/SRV recods for named ports')[0]).toBe('dns/SRV records for named ports');
    expect(nearest('dns/*burts*')[0]).toBe('dns/load › a short burst of lookups: latency, errors and the 5 s race');
    expect(nearest('smoke/pod to pod over HTTP')[0]).toBe('smoke/pod to pod over HTTP, TCP and UDP');
  });

  it('reads a pattern without a suite as a title or a suite name', () => {
    expect(nearest('SRV records for named ports')[0]).toBe('dns/SRV records for named ports');
    expect(nearest('netpol')[0]).toBe('netpol/truth tables › NetworkPolicy is enforced (default deny ingress)');
    expect(nearest('servics › port != targetPort*')[0]).toBe('services/port != targetPort, and a named targetPort');
  });

  it('names at most as many as asked, and none of none', () => {
    expect(nearestIds('x', IDS, 2)).toHaveLength(2);
    expect(nearestIds('x', [])).toEqual([]);
  });
});

describe('distances', () => {
  it('counts edits, and edits to find a text within another', () => {
    expect(editDistance('dsn', 'dns')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(substringDistance('burts', 'a short burst of lookups')).toBe(1);
    expect(substringDistance('record', 'SRV record for')).toBe(0);
  });

  it('matches a context or server pattern whole, in any case', () => {
    expect(globMatches('staging-*', 'Staging-EU')).toBe(true);
    expect(globMatches('https://10.0.0.1:6443', 'https://10.0.0.1:6443')).toBe(true);
    expect(globMatches('https://10.0.0.1', 'https://10.0.0.1:6443')).toBe(false);
  });
});
