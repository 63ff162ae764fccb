import { describe, expect, it } from 'vitest';
import { findProvisioner, nameTokens, type StorageFacts, type WorkloadFacts } from './provisioner.ts';

const localPath: WorkloadFacts = {
  kind: 'Deployment',
  namespace: 'local-path-storage',
  name: 'local-path-provisioner',
  selector: { app: 'local-path-provisioner' },
  desired: 1,
  ready: 1,
  mentions: '/usr/bin/local-path-provisioner --debug start --config /etc/config/config.json',
};

function facts(over: Partial<StorageFacts> = {}): StorageFacts {
  return {
    workloads: [
      localPath,
      {
        kind: 'Deployment',
        namespace: 'kube-system',
        name: 'coredns',
        selector: { k8s: 'dns' },
        desired: 2,
        ready: 2,
        mentions: '-conf /etc/coredns/Corefile',
      },
    ],
    pods: [
      {
        namespace: 'local-path-storage',
        name: 'local-path-provisioner-abc',
        labels: { app: 'local-path-provisioner' },
        node: 'node1',
        phase: 'Running',
        ready: true,
      },
      { namespace: 'kube-system', name: 'coredns-1', labels: { k8s: 'dns' }, node: 'node1', phase: 'Running', ready: true },
    ],
    csiDrivers: [],
    csiNodes: {},
    nodes: ['node1', 'node2'],
    ...over,
  };
}

describe('nameTokens', () => {
  it('takes the path of a provisioner name, or a telling first label of a driver name', () => {
    expect(nameTokens('rancher.io/local-path')).toEqual(['local-path']);
    expect(nameTokens('ebs.csi.aws.com')).toEqual(['ebs']);
    expect(nameTokens('csi.vsphere.vmware.com')).toEqual([]);
    expect(nameTokens('hostpath.csi.k8s.io')).toEqual(['hostpath']);
  });
});

describe('findProvisioner', () => {
  it('finds local-path-provisioner by its Deployment name and its ready pod', () => {
    const f = findProvisioner('rancher.io/local-path', facts());
    expect(f.verdict).toBe('running');
    expect(f.workloads.map((w) => w.workload.name)).toEqual(['local-path-provisioner']);
    expect(f.summary).toContain('1 ready pod(s) of Deployment local-path-storage/local-path-provisioner');
  });

  it('scaled to zero: runs nowhere, naming the Deployment and its replicas', () => {
    const f = findProvisioner('rancher.io/local-path', facts({ workloads: [{ ...localPath, desired: 0, ready: 0 }], pods: [] }));
    expect(f.verdict).toBe('nowhere');
    expect(f.summary).toBe(
      'rancher.io/local-path runs nowhere: Deployment local-path-storage/local-path-provisioner (named after "local-path") has 0 desired and 0 ready pod(s)',
    );
  });

  it('no workload at all: runs nowhere, saying nothing mentions it', () => {
    const f = findProvisioner('example.com/nfs', facts());
    expect(f.verdict).toBe('nowhere');
    expect(f.summary).toContain('no Deployment, StatefulSet or DaemonSet mentions it');
  });

  it('pods that are not ready: not-ready, with the reason', () => {
    const f = findProvisioner(
      'rancher.io/local-path',
      facts({
        pods: [
          {
            namespace: 'local-path-storage',
            name: 'lp-1',
            labels: { app: 'local-path-provisioner' },
            node: 'node2',
            phase: 'Pending',
            ready: false,
            reason: 'ImagePullBackOff',
          },
        ],
      }),
    );
    expect(f.verdict).toBe('not-ready');
    expect(f.summary).toContain('lp-1 on node2: not ready (ImagePullBackOff)');
  });

  it('a CSI driver: found by mention, and its node plugin missing on a node is partial', () => {
    const driver = 'hostpath.csi.k8s.io';
    const plugin: WorkloadFacts = {
      kind: 'DaemonSet',
      namespace: 'csi',
      name: 'csi-hostpathplugin',
      selector: { app: 'hp' },
      desired: 2,
      ready: 2,
      mentions: `--kubelet-registration-path=/var/lib/kubelet/plugins/${driver}/csi.sock --drivername=${driver}`,
    };
    const pods = [{ namespace: 'csi', name: 'hp-1', labels: { app: 'hp' }, node: 'node1', phase: 'Running', ready: true }];
    const base = facts({ workloads: [plugin], pods, csiDrivers: [driver], csiNodes: { node1: [driver], node2: [driver] } });
    expect(findProvisioner(driver, base)).toMatchObject({ verdict: 'running', csiDriverObject: true, nodesWithout: [] });
    expect(findProvisioner(driver, base).workloads[0]?.by).toBe(`its pod template mentions ${driver}`);
    const partial = findProvisioner(driver, { ...base, csiNodes: { node1: [driver] } });
    expect(partial.verdict).toBe('partial');
    expect(partial.summary).toContain('missing on 1 node(s): node2');
  });

  it('a name mentioned only as a prefix of another does not count', () => {
    const other: WorkloadFacts = { ...localPath, name: 'x', mentions: '--driver=ebs.csi.aws.com.example' };
    expect(findProvisioner('ebs.csi.aws.com', facts({ workloads: [other], csiDrivers: ['ebs.csi.aws.com'] })).workloads).toEqual([]);
  });

  it('an in-tree name is judged by the CSI driver it migrated to', () => {
    const f = findProvisioner('kubernetes.io/aws-ebs', facts());
    expect(f.verdict).toBe('nowhere');
    expect(f.summary).toContain('no CSIDriver ebs.csi.aws.com is installed');
  });

  it('no-provisioner classes need nothing running', () => {
    expect(findProvisioner('kubernetes.io/no-provisioner', facts()).verdict).toBe('static');
  });
});
