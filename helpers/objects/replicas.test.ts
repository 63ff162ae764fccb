import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isTerminating, splitReplicas, terminatingEvidence } from './replicas.ts';

const pod = (name: string, deletedAt?: string): V1Pod => ({
  metadata: { name, namespace: 'kube-system', ...(deletedAt === undefined ? {} : { deletionTimestamp: new Date(deletedAt), deletionGracePeriodSeconds: 30 }) },
  spec: { nodeName: 'node1', containers: [] },
});

describe('replicas', () => {
  it('leaves pods with a deletion timestamp out of the replicas to judge, keeping their order', () => {
    const pods = [pod('new-a'), pod('old-a', '2026-12-07T10:00:00Z'), pod('new-b')];
    const { live, terminating } = splitReplicas(pods);
    expect(live.map((p) => p.metadata?.name)).toEqual(['new-a', 'new-b']);
    expect(terminating.map((p) => p.metadata?.name)).toEqual(['old-a']);
    expect(isTerminating(pods[1] as V1Pod)).toBe(true);
    expect(isTerminating(pods[0] as V1Pod)).toBe(false);
  });

  it('says which pods were left out, where, and for how long they have been terminating', () => {
    const evidence = terminatingEvidence([pod('new-a'), pod('old-a', '2026-12-07T10:00:00Z')], new Date('2026-12-07T10:00:04Z'));
    expect(evidence?.label).toMatch(/rollout or scale-down in progress/);
    expect(evidence?.text).toBe('kube-system/old-a on node1: terminating for 4 s (grace period 30 s)');
    expect(terminatingEvidence([pod('new-a')])).toBeUndefined();
  });
});
