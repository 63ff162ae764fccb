// The names the stub upstream DNS server knows: what "outside the cluster" means on this machine.
// Addresses point back at the stub itself, so a probe that follows an answer stays local.
import { net } from './layout.ts';

export const upstreamZone = 'shakedown.test';

export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'TXT' | 'CNAME';
  data: string;
}

/** A TXT set too large for a 512-byte UDP answer, to exercise truncation and the retry over TCP. */
const bigTxt: ZoneRecord[] = Array.from({ length: 24 }, (_, i) => ({
  name: `big.${upstreamZone}`,
  type: 'TXT' as const,
  data: `record-${String(i).padStart(2, '0')}-${'x'.repeat(48)}`,
}));

export const zoneRecords: ZoneRecord[] = [
  { name: `external.${upstreamZone}`, type: 'A', data: net.upstreamIp },
  { name: `external.${upstreamZone}`, type: 'AAAA', data: 'fd00:5d::2' },
  { name: `external.${upstreamZone}`, type: 'TXT', data: 'shakedown-upstream' },
  { name: `alias.${upstreamZone}`, type: 'CNAME', data: `external.${upstreamZone}` },
  ...bigTxt,
];
