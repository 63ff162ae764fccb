// Expectations are data: named presets a check states per probe, compared with what the agent saw.
// A result is judged against a preset, never by branches scattered through the checks.
import type { Outcome, ProbeResult } from '../../agent/protocol.ts';
import type { Classification } from '../result.ts';

export interface Expectation {
  name: string;
  outcome: Outcome;
  // For http-status: the status wanted.
  status?: number;
  // For dns-error: the rcode wanted.
  rcode?: string;
}

export const EXPECT = {
  allowed: { name: 'allowed', outcome: 'ok' },
  refused: { name: 'refused', outcome: 'refused' },
  dropped: { name: 'dropped', outcome: 'timeout' },
  http404: { name: 'HTTP 404', outcome: 'http-status', status: 404 },
  http503: { name: 'HTTP 503', outcome: 'http-status', status: 503 },
  nxdomain: { name: 'NXDOMAIN', outcome: 'dns-error', rcode: 'NXDOMAIN' },
} as const satisfies Record<string, Expectation>;

export function meets(result: ProbeResult | undefined, expected: Expectation): boolean {
  if (result === undefined || result.outcome !== expected.outcome) return false;
  if (expected.status !== undefined && result.http?.status !== expected.status) return false;
  if (expected.rcode !== undefined && result.dns?.rcode !== expected.rcode) return false;
  return true;
}

// One short phrase for what a probe saw: "ok in 3ms", "refused (ECONNREFUSED)", "HTTP 404".
export function describeResult(result: ProbeResult | undefined): string {
  if (result === undefined) return 'no result';
  switch (result.outcome) {
    case 'ok':
      return `ok in ${Math.round(result.ms)}ms`;
    case 'http-status':
      return `HTTP ${result.http?.status ?? '?'}`;
    case 'dns-error':
      return `DNS ${result.dns?.rcode ?? 'error'}`;
    default:
      return `${result.outcome}${result.code === undefined ? '' : ` (${result.code})`}${result.outcome === 'timeout' ? ` after ${Math.round(result.ms)}ms` : ''}`;
  }
}

// The classification a failed check reports when it saw this instead of what it expected.
export function classify(result: ProbeResult | undefined): Classification {
  if (result === undefined) return 'error';
  switch (result.outcome) {
    case 'ok':
      return 'mismatch';
    case 'protocol-error':
      return 'error';
    default:
      return result.outcome;
  }
}
