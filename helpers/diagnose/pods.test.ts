import { describe, expect, it } from 'vitest';
import { diagnosePods, diagnoseRefusal } from './pods.ts';
import { lease, pod, signals, warning } from './testing.ts';

const waited = (...pods: ReturnType<typeof pod>[]) => pods.map((p) => ({ name: p.metadata?.name ?? '', pod: p }));

describe('diagnosePods', () => {
  it('names the scheduler, surely and at once, when pods nobody looked at meet a lapsed leader Lease', () => {
    const found = diagnosePods(waited(pod('a', 10), pod('b', 9)), signals({ scheduler: { kind: 'lease', lease: lease(31, 15, 'kube-scheduler') } }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ component: 'kube-scheduler', confidence: 'high', fatal: true, subjects: ['a', 'b'] });
    expect(found[0]?.summary).toMatch(/2 pod\(s\) unbound for up to 10 s .*last renewed 31 s ago by kube-scheduler_1/);
  });

  it('says less and waits on when the scheduler holds its Lease, and says nothing during the grace period', () => {
    const held = diagnosePods(waited(pod('a', 10)), signals());
    expect(held[0]).toMatchObject({ component: 'kube-scheduler', confidence: 'low', fatal: false });
    expect(diagnosePods(waited(pod('a', 3)), signals({ scheduler: { kind: 'lease', lease: lease(31, 15) } }))).toEqual([]);
  });

  it('without a leader Lease (leader election off) names the scheduler with medium confidence, fatal only after a longer wait', () => {
    expect(diagnosePods(waited(pod('a', 12)), signals({ scheduler: { kind: 'absent' } }))[0]).toMatchObject({ confidence: 'medium', fatal: false });
    expect(diagnosePods(waited(pod('a', 31)), signals({ scheduler: { kind: 'absent' } }))[0]).toMatchObject({ confidence: 'medium', fatal: true });
  });

  it('leaves pods the scheduler answered (Unschedulable) to their own reason', () => {
    expect(diagnosePods(waited(pod('a', 20, { scheduled: 'False' })), signals({ scheduler: { kind: 'lease', lease: lease(31, 15) } }))).toEqual([]);
  });

  it('names the kubelet of the one node whose Lease lapsed, with its age, and none for the healthy node', () => {
    const s = signals({
      nodeLeases: new Map([
        ['node1', lease(3, 40, 'node1', false)],
        ['node2', lease(27, 40, 'node2', true)],
      ]),
    });
    const found = diagnosePods(
      waited(
        pod('a', 20, { node: 'node1', scheduled: 'True' }),
        pod('b', 20, { node: 'node2', scheduled: 'True' }),
        pod('c', 20, { node: 'node2', scheduled: 'True' }),
      ),
      s,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ component: 'kubelet', node: 'node2', confidence: 'high', fatal: true, subjects: ['b', 'c'] });
    expect(found[0]?.summary).toMatch(/kubelet on node2 has stopped heartbeating: .*last renewed 27 s ago/);
  });

  it('names the kubelet of a node that is not Ready', () => {
    const s = signals({ nodes: new Map([['node2', { ready: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }]]) });
    expect(diagnosePods(waited(pod('b', 20, { node: 'node2' })), s)[0]).toMatchObject({ component: 'kubelet', node: 'node2', fatal: true });
  });

  it('tells the pod network from the container runtime by the sandbox error', () => {
    const s = signals({
      events: [
        warning('a', 'FailedCreatePodSandBox', 'failed to setup network for sandbox "x": plugin type="bridge" failed (add): failed to allocate for range 0'),
        warning('b', 'FailedCreatePodSandBox', 'failed to create containerd task: OCI runtime create failed'),
      ],
    });
    const found = diagnosePods(waited(pod('a', 20, { node: 'node1' }), pod('b', 20, { node: 'node2' })), s);
    expect(found.map((d) => [d.component, d.node, d.fatal])).toEqual([
      ['pod-network', 'node1', false],
      ['container-runtime', 'node2', false],
    ]);
  });

  it('suspects, with low confidence, a heartbeating kubelet that starts nothing for long', () => {
    expect(diagnosePods(waited(pod('a', 20, { node: 'node1' })), signals())).toEqual([]);
    expect(diagnosePods(waited(pod('a', 50, { node: 'node1' })), signals())[0]).toMatchObject({
      component: 'kubelet',
      node: 'node1',
      confidence: 'low',
      fatal: false,
    });
  });
});

describe('diagnoseRefusal', () => {
  const refused = 'pods "probe-0" is forbidden: error looking up service account sd-1/default: serviceaccount "default" not found';

  it('names the controller-manager when the namespace has no default ServiceAccount, surer when its Lease lapsed', () => {
    expect(diagnoseRefusal(refused, 'sd-1', { kind: 'lease', lease: lease(40, 15, 'kube-controller-manager') })).toMatchObject({
      component: 'kube-controller-manager',
      confidence: 'high',
      fatal: true,
    });
    expect(diagnoseRefusal(refused, 'sd-1', { kind: 'lease', lease: lease(2, 15) })).toMatchObject({
      component: 'kube-controller-manager',
      confidence: 'medium',
    });
  });

  it('leaves other refusals alone', () => {
    expect(diagnoseRefusal('pods "x" is forbidden: violates PodSecurity "restricted:latest"', 'sd-1', { kind: 'absent' })).toBeUndefined();
  });
});
