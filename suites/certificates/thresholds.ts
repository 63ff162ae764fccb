// The expiry gate: days left against --cert-warn-days and --cert-fail-days. A short-lived
// certificate (its whole life no longer than the warning window, and 30 days at most: cert-manager's webhook serves a
// 7-day leaf, rotating issuers give hours or days) is always inside that window by design, so it is
// judged by the share of its life left instead: rotation is due by two thirds of its life
// (cert-manager renews then) and overdue past nine tenths (every rotating issuer, the kubelet's
// 70-90 % included, has renewed by then).
export interface Thresholds {
  warnDays: number;
  failDays: number;
  // The longest life judged by its share (tests; default SHORT_LIVED_MAX_DAYS).
  shortLivedMaxDays?: number;
}

export type Level = 'ok' | 'warn' | 'fail';

export const ROTATION_DUE = 2 / 3;
export const ROTATION_OVERDUE = 0.9;

export function expiryLevel(days: number, t: Thresholds): Level {
  if (days < t.failDays) return 'fail';
  if (days < t.warnDays) return 'warn';
  return 'ok';
}

// Rotating issuers give certificates of hours to weeks; a longer one is judged by days left even
// inside a widened window (--cert-warn-days 3650 asks about every certificate of the next ten years).
export const SHORT_LIVED_MAX_DAYS = 30;

export function isShortLived(lifetimeMs: number, t: Thresholds): boolean {
  return lifetimeMs > 0 && lifetimeMs <= Math.min(t.warnDays, t.shortLivedMaxDays ?? SHORT_LIVED_MAX_DAYS) * 86_400_000;
}

// The level of a short-lived certificate: by how much of its life has passed.
export function rotationLevel(lifetimeMs: number, leftMs: number): Level {
  if (leftMs <= 0) return 'fail';
  const passed = 1 - leftMs / lifetimeMs;
  if (passed >= ROTATION_OVERDUE) return 'fail';
  if (passed >= ROTATION_DUE) return 'warn';
  return 'ok';
}
