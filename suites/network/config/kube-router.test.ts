import { describe, expect, it } from 'vitest';
import { judgeKubeRouter, kubeRouterMasquerades, kubeRouterSettings } from './kube-router.ts';
import { facts, node, twoNodes } from './testing/objects.ts';

const ds = (args: string[]) => ({ 'kube-router': [{ what: 'DaemonSet kube-system/kube-router', args: ['/usr/local/bin/kube-router', ...args] }] });

describe('kube-router configuration', () => {
  it('skips when it runs outside the API (host processes), saying so', () => {
    expect(judgeKubeRouter(facts({ nodes: twoNodes() })).absent).toMatch(/^kube-router is not visible: .*run as host processes/);
  });

  it('reads which parts run, with kube-router defaults', () => {
    expect(kubeRouterSettings(['--run-router=false', '--run-firewall=true', '--run-service-proxy=false'])).toEqual({
      router: false,
      firewall: true,
      proxy: false,
      overlay: undefined,
      podEgress: false,
    });
    expect(kubeRouterSettings([])).toEqual({ router: true, firewall: true, proxy: true, overlay: 'subnet', podEgress: true });
    expect(kubeRouterSettings(['--enable-pod-egress=false', '--overlay-type', 'full'])).toMatchObject({ podEgress: false, overlay: 'full' });
  });

  it('passes a firewall-only kube-router, and needs a podCIDR on every node it routes', () => {
    const firewall = judgeKubeRouter(facts({ nodes: twoNodes(), workloads: ds(['--run-router=false', '--run-firewall=true', '--run-service-proxy=false']) }));
    expect(firewall.findings).toEqual([]);
    expect(firewall.seen).toEqual(['DaemonSet kube-system/kube-router: firewall']);
    expect(kubeRouterMasquerades(facts({ workloads: ds(['--run-router=false']) }))).toBe(false);
    const router = judgeKubeRouter(
      facts({
        nodes: [node('node1', undefined, '10.217.0.11'), node('node2', '10.244.2.0/24', '10.217.0.12', { 'kube-router.io/pod-cidr': '10.244.9.0/24' })],
        workloads: ds(['--run-router=true']),
      }),
    );
    expect(router.findings.map((f) => f.text)).toEqual([
      'node node1 has no podCIDR (nor a kube-router.io/pod-cidr annotation), and kube-router routes pods (DaemonSet kube-system/kube-router): it has no range to route',
      'node node2 annotation kube-router.io/pod-cidr 10.244.9.0/24 differs from its podCIDR 10.244.2.0/24',
    ]);
  });
});
