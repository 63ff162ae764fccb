import { describe, expect, it } from 'vitest';
import { kubeadmConfigMap, kubeProxyConfigMap } from '../lib/testing/kubeadm.ts';
import { fakeCheck } from '../lib/testing/fake-check.ts';
import { kubeProxyModeCheck } from './kube-proxy-check.ts';

const DS = '/apis/apps/v1/namespaces/kube-system/daemonsets?labelSelector=k8s-app%3Dkube-proxy';
const PODS = '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-proxy';
const CM = '/api/v1/namespaces/kube-system/configmaps/';

const daemonSet = {
  metadata: { name: 'kube-proxy' },
  spec: {
    template: {
      spec: {
        containers: [{ image: 'localhost/shakedown/kube-proxy:v1.34.4', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'] }],
      },
    },
  },
  status: { desiredNumberScheduled: 1, numberReady: 1 },
};
const pod = {
  metadata: { name: 'kube-proxy-abcde' },
  spec: { nodeName: 'node1' },
  status: { containerStatuses: [{ name: 'kube-proxy', ready: true, restartCount: 0 }] },
};

describe('the kube-proxy mode check', () => {
  it('reads the DaemonSet and the ConfigMap kubeadm writes, and passes naming the mode', async () => {
    const { run } = fakeCheck({
      [DS]: { items: [daemonSet] },
      [PODS]: { items: [pod] },
      [`${CM}kube-proxy`]: kubeProxyConfigMap('nftables'),
      [`${CM}kubeadm-config`]: kubeadmConfigMap(),
    });
    const said = await run(kubeProxyModeCheck);
    expect(said).toContain('property network.kube-proxy-mode=nftables');
    expect(said.at(-1)).toBe('note kube-proxy mode nftables');
  });

  it('skips with the reason where kube-proxy is no DaemonSet (host process, or replaced)', async () => {
    const { run } = fakeCheck({ [DS]: { items: [] }, [PODS]: { items: [] } }, { networkPlugin: 'cilium' });
    expect((await run(kubeProxyModeCheck)).at(-1)).toMatch(/^skip kube-proxy is not a DaemonSet in kube-system .*\(network plugin: cilium\)/);
  });
});
