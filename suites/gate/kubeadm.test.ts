import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../helpers/engine/findings.ts';
import { parseClusterConfiguration, staticPodsOf } from '../lib/kubeadm.ts';
import { clusterConfigurationYaml, controlPlanePods } from '../lib/testing/kubeadm.ts';
import { judgeKubeadmUpgrade, type KubeadmUpgradeView } from './kubeadm.ts';
import { parseMinor } from './version.ts';

function view(change: (v: KubeadmUpgradeView) => void = () => {}): KubeadmUpgradeView {
  const v: KubeadmUpgradeView = {
    apiServer: 'v1.34.4',
    target: parseMinor('1.35')!,
    cluster: parseClusterConfiguration(clusterConfigurationYaml('v1.34.4')),
    staticPods: staticPodsOf(controlPlanePods(['node1'])),
    kubelets: [
      { node: 'node1', version: 'v1.34.4', controlPlane: true },
      { node: 'node2', version: 'v1.34.4', controlPlane: false },
      { node: 'node3', version: 'v1.33.2', controlPlane: false },
    ],
    kubeProxy: { image: 'localhost/shakedown/kube-proxy:v1.34.4', version: 'v1.34.4' },
  };
  change(v);
  return v;
}

const outcome = (v: KubeadmUpgradeView) => outcomeOf(judgeKubeadmUpgrade(v).findings, { pass: 'pass' });

describe("the gate's kubeadm rules", () => {
  it('pass for 1.34 -> 1.35 on a healthy kubeadm cluster, with the plan and `kubeadm version` first', () => {
    const judged = judgeKubeadmUpgrade(view());
    expect(judged.findings).toEqual([]);
    expect(judged.lines).toContain('1.34 to 1.35: one minor, as kubeadm requires');
    expect(judged.plan[0]).toContain('`kubeadm version` must print v1.35.x before `kubeadm upgrade plan`');
    expect(judged.plan[1]).toBe('on node1: `kubeadm upgrade plan`, then `kubeadm upgrade apply v1.35.x` (static pods, kube-proxy, CoreDNS, kubeadm-config)');
    expect(judged.plan[2]).toBe('no other control-plane node: no `kubeadm upgrade node` step');
  });

  it('fail a skipped minor: 1.34 -> 1.36', () => {
    const o = outcome(view((v) => (v.target = parseMinor('1.36')!)));
    expect(o.status).toBe('fail');
    expect(o.message).toBe('kubeadm upgrades one minor at a time: 1.34 to 1.36 skips 1.35');
  });

  it('fail a half-done upgrade: kubeadm-config says v1.35.4, the API server reports v1.34.4', () => {
    const o = outcome(view((v) => (v.cluster = parseClusterConfiguration(clusterConfigurationYaml('v1.35.4')))));
    expect(o.status).toBe('fail');
    expect(o.message).toContain('an upgrade is half-done: kubeadm-config records v1.35.4 while the API server reports v1.34.4');
  });

  it('fail control-plane nodes at different versions, and a kubelet newer than the API server', () => {
    const o = outcome(
      view((v) => {
        v.staticPods = staticPodsOf([...controlPlanePods(['node1'], 'v1.35.4'), ...controlPlanePods(['node2'], 'v1.34.4')]);
        v.kubelets = [...v.kubelets.filter((k) => k.node !== 'node3'), { node: 'node3', version: 'v1.35.4', controlPlane: false }];
      }),
    );
    expect(o.evidence.find((e) => e.label === 'findings')?.text.split('\n')).toEqual([
      'FAIL the control-plane nodes run different versions: v1.35.4 on node1; v1.34.4 on node2',
      'FAIL the kubelet on node3 runs v1.35.4, newer than the API server v1.34.4',
    ]);
  });

  it('warn on a kube-proxy DaemonSet left a minor behind the control plane', () => {
    const o = outcome(view((v) => (v.kubeProxy = { image: 'registry.k8s.io/kube-proxy:v1.33.5', version: 'v1.33.5' })));
    expect(o.status).toBe('warn');
    expect(o.message).toBe("the kube-proxy DaemonSet runs v1.33.5, older than the control plane's v1.34.4");
  });
});
