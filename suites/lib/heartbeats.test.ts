import { describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import type { LeaseState } from '../../helpers/kube/leases.ts';
import { judgeLeaderLease, nodeHealth, nodeLine, nodeProblems } from './heartbeats.ts';

const lease = (over: Partial<LeaseState>): LeaseState => ({
  namespace: 'kube-system',
  name: 'kube-scheduler',
  holder: 'cp_1234',
  durationS: 15,
  ageMs: 2000,
  stale: false,
  ...over,
});

describe('judgeLeaderLease', () => {
  it('holds when renewed within its duration', () => {
    const v = judgeLeaderLease('kube-scheduler', { kind: 'lease', lease: lease({}) });
    expect(v).toEqual({ kind: 'held', text: 'leader Lease kube-system/kube-scheduler held, last renewed 2 s ago by cp_1234 (lease duration 15 s)' });
  });

  it('names the component and the last holder when the Lease lapsed, with more confidence the longer ago', () => {
    const v = judgeLeaderLease('kube-controller-manager', { kind: 'lease', lease: lease({ name: 'kube-controller-manager', ageMs: 95_000, stale: true }) });
    expect(v.kind).toBe('stale');
    if (v.kind !== 'stale') return;
    expect(v.text).toContain('last renewed 95 s ago by cp_1234');
    expect(v.likelyCause).toMatch(/kube-controller-manager is stopped, hung/);
    expect(v.confidence).toBe('high');
    const fresh = judgeLeaderLease('kube-scheduler', { kind: 'lease', lease: lease({ ageMs: 20_000, stale: true }) });
    expect(fresh.kind === 'stale' && fresh.confidence).toBe('medium');
  });

  it('says plainly that an absent Lease cannot judge (leader election off)', () => {
    const v = judgeLeaderLease('kube-scheduler', { kind: 'absent' });
    expect(v.kind).toBe('absent');
    expect(v.text).toMatch(/--leader-elect=false/);
    expect(judgeLeaderLease('kube-scheduler', { kind: 'unreadable', reason: 'boom' }).text).toContain('boom');
  });
});

const node = (name: string, ready: string, extra: { type: string; status: string; reason?: string }[] = []): V1Node => ({
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown' }, ...extra] },
});

describe('nodeProblems', () => {
  it('accepts a fresh Lease on a Ready node without pressure', () => {
    const h = nodeHealth(
      node('node1', 'True', [{ type: 'MemoryPressure', status: 'False' }]),
      lease({ namespace: 'kube-node-lease', name: 'node1', holder: 'node1', durationS: 40 }),
    );
    expect(nodeProblems([h])).toEqual([]);
    expect(nodeLine(h)).toBe('node1: Ready=True (KubeletReady); Lease last renewed 2 s ago by node1 (lease duration 40 s); no pressure');
  });

  it('names the kubelet of a node whose Lease is stale and which is no longer Ready', () => {
    const h = nodeHealth(node('node2', 'Unknown'), lease({ name: 'node2', ageMs: 70_000, stale: true }));
    expect(nodeProblems([h])).toEqual([
      expect.objectContaining({ node: 'node2', component: 'kubelet', text: expect.stringContaining('kubelet not heard from (last renewed 70 s ago') }),
    ]);
  });

  it('points at the controller-manager when a stale node still shows Ready', () => {
    const [p] = nodeProblems([nodeHealth(node('node2', 'True'), lease({ name: 'node2', ageMs: 90_000, stale: true }))]);
    expect(p?.component).toBe('kube-controller-manager');
    expect(nodeProblems([nodeHealth(node('node3', 'True'), undefined)])[0]?.text).toContain('no heartbeat Lease');
  });

  it('names a running kubelet whose node is not ready, and pressure conditions', () => {
    const problems = nodeProblems([
      nodeHealth(node('node1', 'False', [{ type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure' }]), lease({ name: 'node1' })),
    ]);
    expect(problems.map((p) => p.component)).toEqual(['kubelet', 'node']);
    expect(problems[0]?.likelyCause).toMatch(/network plugin/);
    expect(problems[1]?.text).toBe('node1: DiskPressure (KubeletHasDiskPressure)');
  });
});
