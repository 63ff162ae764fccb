// How a history names its nights, on the console and on the page alike.
import type { Night } from './model.ts';

// "2026-12-07 02:00 UTC".
export function nightTime(startedAt: string): string {
  const time = new Date(Date.parse(startedAt));
  return Number.isNaN(time.getTime()) ? startedAt : `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// "night 3 (sd-20261207-abc123, 2026-12-07 02:00 UTC)".
export const nightName = (night: Night): string => `night ${night.night} (${night.runId}, ${nightTime(night.startedAt)})`;
