import { describe, expect, it } from 'vitest';
import { containsCidr, containsIp, overlappingPairs, overlaps, parseCidr, parseIp, sameRange } from './cidr.ts';

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`bad test CIDR ${text}`);
  return parsed;
};

describe('CIDRs', () => {
  it('parses IPv4 and IPv6 addresses and refuses what is not one', () => {
    expect(parseIp('10.244.1.5')).toEqual({ family: 4, value: 0x0af40105n });
    expect(parseIp('fd00:10:244::5')?.family).toBe(6);
    expect(parseIp('::1')?.value).toBe(1n);
    expect(parseIp('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
    for (const bad of ['10.244.1', '10.244.1.256', 'node1', '1::2::3', '', 'fd00::g']) expect(parseIp(bad)).toBeUndefined();
  });

  it('normalises a CIDR to its range, host bits ignored', () => {
    const c = cidr('10.244.1.7/24');
    expect([c.first, c.last, c.prefix]).toEqual([0x0af40100n, 0x0af401ffn, 24]);
    expect(parseCidr('10.244.0.0/33')).toBeUndefined();
    expect(parseCidr('10.244.0.0')).toBeUndefined();
    expect(cidr('fd00:10:244::/56').last - cidr('fd00:10:244::/56').first).toBe((1n << 72n) - 1n);
  });

  it('contains and overlaps within one family only', () => {
    expect(containsCidr(cidr('10.244.0.0/16'), cidr('10.244.1.0/24'))).toBe(true);
    expect(containsCidr(cidr('192.168.0.0/16'), cidr('10.244.1.0/24'))).toBe(false);
    expect(containsCidr(cidr('10.244.1.0/24'), cidr('10.244.0.0/16'))).toBe(false);
    expect(containsIp(cidr('10.244.1.0/24'), '10.244.1.255')).toBe(true);
    expect(containsIp(cidr('10.244.1.0/24'), '10.244.2.0')).toBe(false);
    expect(containsIp(cidr('::/0'), '10.0.0.1')).toBe(false);
    expect(overlaps(cidr('10.244.0.0/16'), cidr('10.244.255.0/24'))).toBe(true);
    expect(overlaps(cidr('10.244.1.0/24'), cidr('10.244.2.0/24'))).toBe(false);
    expect(sameRange(cidr('10.244.0.1/16'), cidr('10.244.0.0/16'))).toBe(true);
  });

  it('finds every overlapping pair, nested ones too, by sorting', () => {
    const ranges = ['10.244.1.0/24', '10.244.0.0/16', '10.244.2.0/24', '10.245.0.0/24', 'fd00::/64', 'fd00::/120'].map((t) => ({ t, c: cidr(t) }));
    const pairs = overlappingPairs(ranges, (r) => r.c).map(([a, b]) => `${a.t}~${b.t}`);
    expect(pairs.sort()).toEqual(['10.244.0.0/16~10.244.1.0/24', '10.244.0.0/16~10.244.2.0/24', 'fd00::/64~fd00::/120'].sort());
  });
});
