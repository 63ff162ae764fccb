// Names as the pod's resolver sees them: ndots, the search path expansion glibc applies, the
// cluster domain read from the search path, and reverse (PTR) names. Pure; unit-tested in
// dns-names.test.ts.
import { isIP } from 'node:net';
import type { ResolvConf } from '../../agent/protocol.ts';

// glibc's default when resolv.conf sets none.
export const DEFAULT_NDOTS = 1;

export function ndotsOf(conf: Pick<ResolvConf, 'options'>): number {
  let ndots = DEFAULT_NDOTS;
  for (const option of conf.options) {
    const match = /^ndots:(\d+)$/.exec(option);
    // glibc caps ndots at 15.
    if (match !== null) ndots = Math.min(15, Number(match[1]));
  }
  return ndots;
}

// The names glibc's res_search asks, in order: a name with a trailing dot only as it is; a name
// with at least ndots dots as it is first, then with each search domain; a shorter one with each
// search domain first and as it is last.
export function searchCandidates(name: string, conf: Pick<ResolvConf, 'options' | 'search'>): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain.replace(/\.$/, '')}`);
  return dots >= ndotsOf(conf) ? [name, ...searched] : [...searched, name];
}

// The cluster domain, from the search path kubelet writes: "<ns>.svc.<domain> svc.<domain> <domain>".
export function clusterDomainOf(conf: Pick<ResolvConf, 'search'>, namespace?: string): string | undefined {
  const svc = conf.search.find((entry) => entry.startsWith('svc.') && entry.length > 'svc.'.length);
  if (svc !== undefined) return svc.slice('svc.'.length).replace(/\.$/, '');
  if (namespace === undefined) return undefined;
  const own = conf.search.find((entry) => entry.startsWith(`${namespace}.svc.`));
  return own?.slice(`${namespace}.svc.`.length).replace(/\.$/, '');
}

function expandIPv6(ip: string): string {
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((group) => group.padStart(4, '0')).join('');
}

// The PTR question for an address: d.c.b.a.in-addr.arpa, or the nibbles under ip6.arpa.
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (isIP(ip) === 6) return `${[...expandIPv6(ip)].reverse().join('.')}.ip6.arpa`;
  throw new Error(`not an IP address: ${ip}`);
}

export function serviceFqdn(name: string, namespace: string, domain: string): string {
  return `${name}.${namespace}.svc.${domain}`;
}

// Strips the trailing dot answers carry, for comparison.
export function bare(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}
