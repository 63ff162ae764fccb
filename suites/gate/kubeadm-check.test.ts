import { describe, expect, it } from 'vitest';
import { fakeCheck } from '../lib/testing/fake-check.ts';
import { controlPlanePods, kubeadmConfigMap, node } from '../lib/testing/kubeadm.ts';
import { kubeadmUpgradeCheck } from './kubeadm-check.ts';
import { parseMinor } from './version.ts';

const routes = (kubernetesVersion: string) => ({
  '/api/v1/namespaces/kube-system/configmaps/kubeadm-config': kubeadmConfigMap(kubernetesVersion),
  '/api/v1/namespaces/kube-system/pods': { items: controlPlanePods(['node1']) },
  '/api/v1/nodes': { items: [node('node1'), node('node2'), node('node3')] },
  '/apis/apps/v1/namespaces/kube-system/daemonsets?labelSelector=k8s-app%3Dkube-proxy': {
    items: [{ spec: { template: { spec: { containers: [{ image: 'localhost/shakedown/kube-proxy:v1.34.4' }] } } } }],
  },
});

describe("the gate's kubeadm check", () => {
  it('passes 1.34.4 -> 1.35 and gives the plan, `kubeadm version` first', async () => {
    const { run } = fakeCheck(routes('v1.34.4'));
    const said = await run((c) => kubeadmUpgradeCheck(c, parseMinor('1.35')!));
    expect(said).toContain('property gate.kubeadm-kubernetes-version=v1.34.4');
    expect(said.at(-1)).toMatch(/^note kubeadm v1\.34\.4 -> 1\.35: one minor at most/);
  });

  it('fails a half-done upgrade', async () => {
    const { run } = fakeCheck(routes('v1.35.4'));
    const said = await run((c) => kubeadmUpgradeCheck(c, parseMinor('1.35')!));
    expect(said.at(-1)).toBe('fail an upgrade is half-done: kubeadm-config records v1.35.4 while the API server reports v1.34.4');
  });

  it('skips with the reason where the cluster was not built with kubeadm', async () => {
    const { run } = fakeCheck({});
    const said = await run((c) => kubeadmUpgradeCheck(c, parseMinor('1.35')!));
    expect(said.at(-1)).toMatch(/^skip no ConfigMap kube-system\/kubeadm-config: .*the version skew check judges the versions$/);
  });
});
