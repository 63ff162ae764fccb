import { describe, expect, it } from 'vitest';
import { detectPlugin, type PluginFacts } from './network-plugin.ts';

const none: PluginFacts = {
  workloads: [],
  apiGroups: ['apps', 'networking.k8s.io'],
  nodeAnnotations: ['node.alpha.kubernetes.io/ttl'],
  nodeConditionReasons: [],
};

describe('network plugin detection', () => {
  it('names Calico from its DaemonSet, API group and node condition', () => {
    const plugin = detectPlugin({
      ...none,
      workloads: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'calico-node', images: ['docker.io/calico/node:v3.28.0'] }],
      apiGroups: ['crd.projectcalico.org'],
      nodeConditionReasons: ['CalicoIsUp'],
    });
    expect(plugin).toMatchObject({ name: 'Calico', known: true, enforces: true });
    expect(plugin.evidence).toContain('API group crd.projectcalico.org');
  });

  it('names flannel alone as not enforcing, and canal as one plugin that does', () => {
    expect(
      detectPlugin({
        ...none,
        workloads: [{ kind: 'DaemonSet', namespace: 'kube-flannel', name: 'kube-flannel-ds', images: ['ghcr.io/flannel-io/flannel:v0.25'] }],
      }),
    ).toMatchObject({ name: 'flannel', enforces: false });
    expect(
      detectPlugin({ ...none, workloads: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'canal', images: ['calico/node', 'flannel/flannel'] }] }),
    ).toMatchObject({ name: 'Canal (Calico + flannel)', enforces: true });
  });

  it('finds Cilium by image, kube-router by DaemonSet', () => {
    expect(
      detectPlugin({ ...none, workloads: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'agent', images: ['quay.io/cilium/cilium:v1.16'] }] }).name,
    ).toBe('Cilium');
    expect(
      detectPlugin({ ...none, workloads: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-router', images: ['cloudnativelabs/kube-router'] }] })
        .name,
    ).toBe('kube-router');
  });

  it('finds a plugin run as a static pod or named by its operator Deployment', () => {
    expect(
      detectPlugin({
        ...none,
        workloads: [{ kind: 'Pod', namespace: 'kube-system', name: 'kube-router-node1', images: ['cloudnativelabs/kube-router:v2.1.0'] }],
      }).evidence,
    ).toEqual(['Pod kube-system/kube-router-node1']);
    expect(
      detectPlugin({
        ...none,
        workloads: [{ kind: 'Deployment', namespace: 'tigera-operator', name: 'tigera-operator', images: ['quay.io/tigera/operator:v1.34'] }],
      }).name,
    ).toBe('Calico');
  });

  it('says honestly when nothing in the API names a plugin', () => {
    const plugin = detectPlugin({
      ...none,
      workloads: [{ kind: 'DaemonSet', namespace: 'kube-system', name: 'node-exporter', images: ['prom/node-exporter'] }],
    });
    expect(plugin.known).toBe(false);
    expect(plugin.name).toMatch(/^unknown \(no known network plugin DaemonSet/);
    expect(plugin.evidence).toEqual(['DaemonSets: kube-system/node-exporter']);
  });
});
