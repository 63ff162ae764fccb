import { describe, expect, it } from 'vitest';
import { clusterCidrOf, flagValue, readNetworkFacts, workloadArgs, type GetJson } from './facts.ts';

const kcm = {
  metadata: { name: 'kube-controller-manager-cp1', namespace: 'kube-system' },
  spec: {
    containers: [
      {
        name: 'kube-controller-manager',
        image: 'registry.k8s.io/kube-controller-manager:v1.34.1',
        command: ['kube-controller-manager', '--allocate-node-cidrs=true', '--cluster-cidr=10.244.0.0/16,fd00:10:244::/56', '--node-cidr-mask-size-ipv4=24'],
      },
    ],
  },
};
const flannelDs = {
  metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' },
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'kube-flannel', image: 'ghcr.io/flannel-io/flannel:v0.28.0', command: ['/opt/bin/flanneld'], args: ['--ip-masq', '--kube-subnet-mgr'] },
        ],
      },
    },
  },
};

describe('network facts', () => {
  it('reads flags in both spellings', () => {
    expect(flagValue(['--cluster-cidr=10.244.0.0/16'], 'cluster-cidr')).toBe('10.244.0.0/16');
    expect(flagValue(['--iface', 'eth1'], 'iface')).toBe('eth1');
    expect(flagValue(['--ip-masq', '--kube-subnet-mgr'], 'ip-masq')).toBe('true');
    expect(flagValue(['--ip-masq=false'], 'ip-masq')).toBe('false');
    expect(flagValue(['--ip-masquerade'], 'ip-masq')).toBeUndefined();
  });

  it("finds the controller-manager's --cluster-cidr, dual stack", () => {
    expect(clusterCidrOf([kcm])).toEqual({
      cidrs: ['10.244.0.0/16', 'fd00:10:244::/56'],
      source: '--cluster-cidr of pod kube-system/kube-controller-manager-cp1',
    });
    expect(clusterCidrOf([])).toBeUndefined();
  });

  it('collects the arguments of plugin workloads by plugin', () => {
    expect(workloadArgs([{ kind: 'DaemonSet', item: flannelDs }])).toEqual({
      flannel: [{ what: 'DaemonSet kube-flannel/kube-flannel-ds', args: ['/opt/bin/flanneld', '--ip-masq', '--kube-subnet-mgr'] }],
    });
  });

  it('reads everything through one getter, Calico from the first API that serves IPPools, and says refused reads', async () => {
    const asked: string[] = [];
    const get: GetJson = async <T>(path: string) => {
      asked.push(path);
      const ok = (body: unknown) => ({ ok: true as const, body: body as T });
      if (path === '/api/v1/nodes')
        return ok({
          items: [{ metadata: { name: 'node1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '10.217.0.11' }] } }],
        });
      if (path === '/api/v1/namespaces/kube-system/pods') return ok({ items: [kcm] });
      if (path === '/apis/apps/v1/daemonsets') return ok({ items: [flannelDs] });
      if (path === '/api/v1/namespaces/kube-flannel/configmaps/kube-flannel-cfg') return ok({ data: { 'net-conf.json': '{}' } });
      if (path === '/apis/crd.projectcalico.org/v1/ippools')
        return ok({ items: [{ metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '10.244.0.0/16' } }] });
      if (path === '/apis/crd.projectcalico.org/v1/felixconfigurations') return { ok: false as const, absent: false, reason: 'forbidden' };
      if (path.startsWith('/apis/crd.projectcalico.org/v1/')) return ok({ items: [] });
      return { ok: false as const, absent: true, reason: 'not found' };
    };
    const read = await readNetworkFacts(get);
    expect(read.nodes).toEqual([{ name: 'node1', podCIDRs: ['10.244.1.0/24'], addresses: ['10.217.0.11'], internalIP: '10.217.0.11', annotations: {} }]);
    expect(read.clusterCidr?.cidrs).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    expect(read.flannelConfig).toEqual({ namespace: 'kube-flannel', name: 'kube-flannel-cfg', data: { 'net-conf.json': '{}' } });
    expect(read.ciliumConfig).toBeUndefined();
    expect(read.calico?.api).toBe('crd.projectcalico.org/v1');
    expect(read.calico?.pools).toHaveLength(1);
    expect(read.unread).toEqual(['felixconfigurations (crd.projectcalico.org/v1): forbidden']);
    expect(asked).not.toContain('/apis/projectcalico.org/v3/ippools');
  });
});
