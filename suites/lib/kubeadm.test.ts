import { describe, expect, it } from 'vitest';
import { flagsOf, kubeadmView, parseClusterConfiguration, plainVersion, staticPodsOf } from './kubeadm.ts';
import { clusterConfigurationYaml, crashLooping, kubeadmConfigMap, kubeletConfigMap, kubeProxyConfigMap, mirrorPod } from './testing/kubeadm.ts';

describe('kubeadm ConfigMaps', () => {
  it('read ClusterConfiguration, KubeletConfiguration and KubeProxyConfiguration as kubeadm 1.34 writes them', () => {
    const view = kubeadmView({ kubeadmConfig: kubeadmConfigMap(), kubeletConfig: kubeletConfigMap(), kubeProxy: kubeProxyConfigMap(), refused: [] });
    expect(view.problems).toEqual([]);
    expect(view.cluster).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kubernetesVersion: 'v1.34.4',
      imageRepository: 'localhost/shakedown',
      controlPlaneEndpoint: '10.217.0.11:6443',
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/12',
      dnsDomain: 'cluster.local',
      certificatesDir: '/etc/kubernetes/pki',
      etcd: { kind: 'local' },
    });
    expect(view.kubelet).toEqual({ rotateCertificates: true, cgroupDriver: 'cgroupfs' });
    expect(view.kubeProxy?.mode).toBe('');
    expect(view.kubeProxy?.clusterCIDR).toBe('10.244.0.0/16');
    expect(view.kubeProxy?.settings).toContain('iptables.masqueradeAll: false');
  });

  it('say what is absent and what does not parse, without throwing', () => {
    expect(kubeadmView({ refused: [] }).present).toEqual({ kubeadmConfig: false, kubeletConfig: false, kubeProxy: false });
    const broken = kubeadmView({
      kubeadmConfig: { metadata: { name: 'kubeadm-config' }, data: { ClusterConfiguration: 'kind: [' } },
      kubeProxy: { metadata: { name: 'kube-proxy' }, data: {} },
      refused: ['ConfigMap kube-system/kubelet-config could not be read: GET ...: HTTP 403'],
    });
    expect(broken.cluster).toBeUndefined();
    expect(broken.problems[0]).toContain('HTTP 403');
    expect(broken.problems[1]).toMatch(/^kubeadm-config data.ClusterConfiguration is not valid YAML/);
    expect(broken.problems[2]).toBe('ConfigMap kube-system/kube-proxy has no data key config.conf');
  });

  it('read external etcd endpoints', () => {
    const yaml = clusterConfigurationYaml().replace('  local:\n    dataDir: /var/lib/etcd', '  external:\n    endpoints:\n    - https://10.0.0.5:2379');
    expect(parseClusterConfiguration(yaml).etcd).toEqual({ kind: 'external', endpoints: ['https://10.0.0.5:2379'] });
  });
});

describe('static pods', () => {
  it('read flags, image tag, readiness and the last termination', () => {
    const pod = mirrorPod('kube-scheduler', 'node1');
    crashLooping(pod);
    const [found] = staticPodsOf([pod]);
    expect(found?.version).toBe('v1.34.4');
    expect(found?.flags.get('leader-elect')).toBe('true');
    expect(found?.ready).toBe(false);
    expect(found?.lastTermination).toEqual({ reason: 'Error', exitCode: 1, finishedAt: '2026-12-07T22:04:00Z' });
  });

  it('flags: --name=value and bare --name, positional words ignored', () => {
    expect([...flagsOf(['etcd', '--a=b=c', '--bare', 'x'])]).toEqual([
      ['a', 'b=c'],
      ['bare', 'true'],
    ]);
    expect(plainVersion('v1.34.4+k3s1')).toBe('1.34.4');
  });
});
