// The expiry gate: days left against --cert-warn-days and --cert-fail-days.
export interface Thresholds {
  warnDays: number;
  failDays: number;
}

export type Level = 'ok' | 'warn' | 'fail';

export function expiryLevel(days: number, t: Thresholds): Level {
  if (days < t.failDays) return 'fail';
  if (days < t.warnDays) return 'warn';
  return 'ok';
}
