import { describe, expect, it } from 'vitest';
import { identityStale } from './apiserver.ts';

describe('identityStale', () => {
  it('judges an API server identity by its 10 s renewal, not by its hour-long duration', () => {
    const lease = { namespace: 'kube-system', name: 'apiserver-x', durationS: 3600, stale: false };
    expect(identityStale({ ...lease, ageMs: 9000 })).toBe(false);
    expect(identityStale({ ...lease, ageMs: 45_000 })).toBe(true);
    expect(identityStale(lease)).toBe(true);
  });
});
