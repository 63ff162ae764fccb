import type { V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { selectLeftovers } from './leftovers.ts';

const now = new Date('2025-01-01T12:00:00Z');

// As the API server lists it: its labels set by `manager` (shakedown's own field manager by default).
function ns(name: string, expiresAt?: string, extra: { labels?: Record<string, string>; terminating?: boolean; manager?: string } = {}): V1Namespace {
  const labels = extra.labels ?? { 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': `run-${name}` };
  return {
    metadata: {
      name,
      labels,
      annotations: expiresAt === undefined ? {} : { 'shakedown.dev/expires-at': expiresAt },
      ...(extra.terminating ? { deletionTimestamp: new Date() } : {}),
      managedFields: [
        {
          manager: extra.manager ?? 'shakedown',
          operation: 'Update',
          fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(Object.keys(labels).map((key) => [`f:${key}`, {}])) } },
        },
      ],
    },
  };
}

describe('selectLeftovers', () => {
  const listed = [
    ns('old', '2025-01-01T11:00:00Z'),
    ns('fresh', '2025-01-01T13:00:00Z'),
    ns('no-expiry'),
    ns('garbled', 'tomorrow'),
    ns('going', '2025-01-01T10:00:00Z', { terminating: true }),
    ns('kube-system', '2020-01-01T00:00:00Z', { labels: {} }),
    ns('impostor', '2020-01-01T00:00:00Z', { labels: { 'app.kubernetes.io/managed-by': 'someone-else', 'shakedown.dev/run-id': 'x' } }),
    ns('labelled-by-hand', '2020-01-01T00:00:00Z', { manager: 'kubectl-label' }),
  ];

  it('in expired mode removes only ours whose expiry has passed, and says why it keeps the rest', () => {
    const selection = selectLeftovers(listed, 'expired', now);
    expect(selection.remove.map((l) => l.name)).toEqual(['old']);
    expect(selection.remove[0]).toEqual({ name: 'old', runId: 'run-old', expiresAt: '2025-01-01T11:00:00Z' });
    expect(selection.keep).toEqual([
      { name: 'fresh', reason: 'expires at 2025-01-01T13:00:00Z' },
      { name: 'no-expiry', reason: 'no valid shakedown.dev/expires-at annotation' },
      { name: 'garbled', reason: 'no valid shakedown.dev/expires-at annotation' },
      { name: 'going', reason: 'already being deleted' },
      { name: 'labelled-by-hand', reason: "carries shakedown's labels, but shakedown did not create it (its labels were set by kubectl-label): never deleted" },
    ]);
  });

  it('in all mode removes every namespace of ours, and never one without our label', () => {
    const names = selectLeftovers(listed, 'all', now).remove.map((l) => l.name);
    expect(names).toEqual(['old', 'fresh', 'no-expiry', 'garbled']);
    expect(names).not.toContain('kube-system');
    expect(names).not.toContain('impostor');
    expect(names).not.toContain('labelled-by-hand');
  });
});
