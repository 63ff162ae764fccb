// The kube-proxy mode check: reads the kube-proxy DaemonSet and pods in kube-system, kubeadm's
// ConfigMaps and the API server's version, and ends as kube-proxy.ts judges them.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { conclude } from '../../helpers/engine/findings.ts';
import { getJson } from '../lib/api-json.ts';
import { readKubeadm, type PodJson } from '../lib/kubeadm.ts';
import { judgeKubeProxy, type ProxyDaemonSet } from './kube-proxy.ts';

const SELECTOR = encodeURIComponent('k8s-app=kube-proxy');

interface DaemonSetJson {
  metadata: { name: string };
  spec?: { template?: { spec?: { containers?: { image?: string; command?: string[]; args?: string[] }[] } } };
  status?: { desiredNumberScheduled?: number; numberReady?: number };
}

export async function kubeProxyModeCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const [daemonSets, pods, kubeadm, version] = await Promise.all([
    getJson<{ items: DaemonSetJson[] }>(session.connection, `/apis/apps/v1/namespaces/kube-system/daemonsets?labelSelector=${SELECTOR}`, c.signal),
    getJson<{ items: PodJson[] }>(session.connection, `/api/v1/namespaces/kube-system/pods?labelSelector=${SELECTOR}`, c.signal),
    readKubeadm(session.connection, c.signal),
    session.clients.version.getCode(),
  ]);
  const ds = daemonSets.items[0];
  const container = ds?.spec?.template?.spec?.containers?.[0];
  const daemonSet: ProxyDaemonSet | undefined =
    ds === undefined
      ? undefined
      : {
          name: ds.metadata.name,
          image: container?.image ?? '',
          words: [...(container?.command ?? []), ...(container?.args ?? [])],
          desired: ds.status?.desiredNumberScheduled ?? 0,
          ready: ds.status?.numberReady ?? 0,
        };
  const judged = judgeKubeProxy({
    ...(daemonSet === undefined ? {} : { daemonSet }),
    pods: pods.items,
    ...(kubeadm.kubeProxy === undefined ? {} : { config: kubeadm.kubeProxy }),
    configPresent: kubeadm.present.kubeProxy,
    problems: kubeadm.problems.filter((p) => p.includes('kube-proxy')),
    apiServer: version.gitVersion,
    ...(kubeadm.cluster?.podSubnet === undefined ? {} : { podSubnet: kubeadm.cluster.podSubnet }),
    ...(c.run.networkPlugin === undefined ? {} : { plugin: `network plugin: ${c.run.networkPlugin.name}` }),
  });
  if (judged.absent !== undefined) c.skip(judged.absent);
  if (judged.mode !== undefined) c.property('network.kube-proxy-mode', judged.mode);
  conclude(c, judged.findings, {
    pass: `kube-proxy mode ${judged.mode ?? '?'}${kubeadm.kubeProxy?.mode === '' ? ' (mode "" in kube-system/kube-proxy: the default)' : ''}`,
    evidence: [{ label: 'kube-proxy', text: judged.lines.join('\n') }],
  });
}
