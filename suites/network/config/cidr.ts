// Addresses and CIDRs, IPv4 and IPv6, as numbers: parse, contain, overlap. Enough to compare a
// plugin's pools with the nodes' podCIDRs and pod IPs; a value that does not parse is said, never
// guessed at.

export interface Cidr {
  // As written (trimmed), for messages.
  text: string;
  family: 4 | 6;
  // First and last address of the range.
  first: bigint;
  last: bigint;
  prefix: number;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] | undefined => {
    if (half === '') return [];
    const out: string[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      // An embedded IPv4 tail (::ffff:10.0.0.1).
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseV4(part);
        if (v4 === undefined) return undefined;
        out.push((v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      out.push(part);
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) value = (value << 16n) | BigInt(parseInt(group, 16));
  return value;
}

// An address: its family and value, or undefined when it is not one.
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const trimmed = text.trim();
  const v4 = parseV4(trimmed);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = trimmed.includes(':') ? parseV6(trimmed) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

export function parseCidr(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const [address = '', prefixText, extra] = trimmed.split('/');
  if (prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  const size = 1n << BigInt(bits - prefix);
  const first = ip.value - (ip.value % size);
  return { text: trimmed, family: ip.family, first, last: first + size - 1n, prefix };
}

export function containsIp(cidr: Cidr, ip: string): boolean {
  const parsed = parseIp(ip);
  return parsed !== undefined && parsed.family === cidr.family && parsed.value >= cidr.first && parsed.value <= cidr.last;
}

// The whole of inner lies within outer.
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function sameRange(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first === b.first && a.last === b.last;
}

// Pairs of ranges that overlap, each pair once, found by sorting (n log n: 500 nodes stay cheap).
export function overlappingPairs<T>(items: readonly T[], cidrOf: (item: T) => Cidr): [T, T][] {
  const sorted = [...items].sort((a, b) => {
    const x = cidrOf(a);
    const y = cidrOf(b);
    return x.family - y.family || (x.first < y.first ? -1 : x.first > y.first ? 1 : 0);
  });
  const pairs: [T, T][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as T;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as T;
      const ca = cidrOf(a);
      const cb = cidrOf(b);
      if (cb.family !== ca.family || cb.first > ca.last) break;
      pairs.push([a, b]);
    }
  }
  return pairs;
}
