import { describe, expect, it } from 'vitest';
import { isOurs, ownedSelector, runNamespace } from './labels.ts';

describe('runNamespace', () => {
  it('carries our label, the run id, the expiry and Pod Security restricted', () => {
    const ns = runNamespace({ name: 'sd-20250101-abcdef', runId: 'sd-20250101-abcdef', expiresAt: new Date('2025-01-01T11:00:00Z'), purpose: 'probe fleet' });
    expect(ns.metadata).toEqual({
      name: 'sd-20250101-abcdef',
      labels: {
        'app.kubernetes.io/managed-by': 'shakedown',
        'shakedown.dev/run-id': 'sd-20250101-abcdef',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
      annotations: { 'shakedown.dev/expires-at': '2025-01-01T11:00:00.000Z', 'shakedown.dev/purpose': 'probe fleet' },
    });
    expect(isOurs(ns)).toBe(true);
  });

  it('selects ours, or one run', () => {
    expect(ownedSelector()).toBe('app.kubernetes.io/managed-by=shakedown');
    expect(ownedSelector('sd-1')).toBe('app.kubernetes.io/managed-by=shakedown,shakedown.dev/run-id=sd-1');
  });

  it('does not count a namespace as ours without both labels', () => {
    expect(isOurs({ metadata: { name: 'x', labels: { 'app.kubernetes.io/managed-by': 'shakedown' } } })).toBe(false);
    expect(isOurs({ metadata: { name: 'x', labels: { 'app.kubernetes.io/managed-by': 'helm', 'shakedown.dev/run-id': 'sd-1' } } })).toBe(false);
  });
});
