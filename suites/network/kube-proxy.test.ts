import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../helpers/engine/findings.ts';
import { kubeadmView, type PodJson } from '../lib/kubeadm.ts';
import { crashLooping, kubeadmConfigMap, kubeProxyConfigMap } from '../lib/testing/kubeadm.ts';
import { judgeKubeProxy, type KubeProxyReading, type ProxyDaemonSet } from './kube-proxy.ts';

const DAEMONSET: ProxyDaemonSet = {
  name: 'kube-proxy',
  image: 'localhost/shakedown/kube-proxy:v1.34.4',
  words: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
  desired: 3,
  ready: 3,
};

function proxyPod(node: string): PodJson {
  return {
    metadata: { name: `kube-proxy-${node}`, namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' } },
    spec: { nodeName: node, containers: [{ name: 'kube-proxy', image: DAEMONSET.image }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'kube-proxy', ready: true, restartCount: 0, state: { running: {} } }] },
  };
}

function reading(mode: string, change: (r: KubeProxyReading) => void = () => {}): KubeProxyReading {
  const view = kubeadmView({ kubeadmConfig: kubeadmConfigMap(), kubeProxy: kubeProxyConfigMap(mode), refused: [] });
  const read: KubeProxyReading = {
    daemonSet: DAEMONSET,
    pods: ['node1', 'node2', 'node3'].map(proxyPod),
    config: view.kubeProxy!,
    configPresent: true,
    problems: [],
    apiServer: 'v1.34.4',
    podSubnet: view.cluster!.podSubnet!,
  };
  change(read);
  return read;
}

const judged = (read: KubeProxyReading) => {
  const j = judgeKubeProxy(read);
  return { ...j, outcome: outcomeOf(j.findings, { pass: 'pass' }) };
};

describe('kube-proxy mode', () => {
  it('an empty mode is iptables, passed with the mode and the settings as evidence', () => {
    const j = judged(reading(''));
    expect(j.mode).toBe('iptables');
    expect(j.outcome.status).toBe('pass');
    expect(j.lines).toContain('mode in kube-system/kube-proxy config.conf: "" (empty: the default, iptables on Linux)');
    expect(j.lines).toContain('  clusterCIDR: "10.244.0.0/16"');
    expect(j.lines.at(-1)).toContain('/proxyMode');
  });

  it('nftables passes on 1.34 (GA since 1.33) and warns on 1.31 (beta)', () => {
    expect(judged(reading('nftables')).outcome.status).toBe('pass');
    const old = judged(reading('nftables', (r) => (r.apiServer = 'v1.31.2')));
    expect(old.outcome.message).toBe('kube-proxy runs in nftables mode on v1.31.2, where it is beta');
  });

  it('ipvs with kube-proxy ready everywhere: a warning that says it is deprecated and needs IPVS in every kernel', () => {
    const j = judged(reading('ipvs', (r) => (r.apiServer = 'v1.35.4')));
    expect(j.mode).toBe('ipvs');
    expect(j.outcome.status).toBe('warn');
    expect(j.outcome.message).toContain('kube-proxy runs in ipvs mode: supported, but deprecated since Kubernetes v1.35 (this cluster runs v1.35.4)');
    expect(j.outcome.message).toContain('ip_vs, ip_vs_rr');
  });

  it('ipvs where kube-proxy crash-loops (a kernel without IPVS): a failure naming the nodes and the kernel', () => {
    const j = judged(
      reading('ipvs', (r) => {
        const pods = r.pods.map((p) => structuredClone(p));
        for (const p of pods) crashLooping(p);
        r.pods = pods;
      }),
    );
    expect(j.outcome.status).toBe('fail');
    expect(j.outcome.message).toBe('kube-proxy runs in ipvs mode and is not ready on node1, node2, node3');
    expect(j.outcome.likelyCause).toContain("IPVS in the node's kernel");
    expect(j.lines).toContain('kube-proxy-node1 on node1: NOT ready (CrashLoopBackOff), 7 restart(s), last exit 1 (Error)');
  });

  it('warn when the DaemonSet flag and the ConfigMap disagree, and when clusterCIDR is not the podSubnet', () => {
    const j = judged(
      reading('nftables', (r) => {
        r.daemonSet = { ...DAEMONSET, words: [...DAEMONSET.words, '--proxy-mode=iptables'] };
        r.podSubnet = '10.32.0.0/12';
      }),
    );
    expect(j.findings.map((f) => f.text)).toEqual([
      'the DaemonSet\'s --proxy-mode iptables and the ConfigMap\'s mode "nftables" disagree',
      "kube-proxy's clusterCIDR 10.244.0.0/16 is not kubeadm-config's podSubnet 10.32.0.0/12",
    ]);
  });

  it('an unknown mode fails', () => {
    expect(judged(reading('ipatbles')).outcome.message).toBe(
      'kube-proxy mode "ipatbles" is not a mode kube-proxy knows (iptables, nftables, ipvs, kernelspace)',
    );
  });

  it('skips with the reason where kube-proxy is no DaemonSet or has no ConfigMap', () => {
    const hostProcess = judgeKubeProxy(
      reading('', (r) => {
        delete r.daemonSet;
        r.plugin = 'network plugin: cilium';
      }),
    );
    expect(hostProcess.absent).toMatch(/^kube-proxy is not a DaemonSet in kube-system .* host process .* \(network plugin: cilium\)/);
    const noConfig = judgeKubeProxy(
      reading('', (r) => {
        delete r.config;
        r.configPresent = false;
      }),
    );
    expect(noConfig.absent).toContain('without a kube-system/kube-proxy ConfigMap or a --proxy-mode flag');
  });
});
