// The gate's kubeadm check: reads kubeadm-config, the control-plane mirror pods, the nodes and
// the kube-proxy DaemonSet, and ends as kubeadm.ts judges them; skipped with the reason where the
// cluster was not built with kubeadm.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { conclude } from '../../helpers/engine/findings.ts';
import { getJson } from '../lib/api-json.ts';
import { imageTag } from '../lib/image-tag.ts';
import { NOT_KUBEADM, readKubeadm, staticPodsOf, type PodJson } from '../lib/kubeadm.ts';
import { judgeKubeadmUpgrade } from './kubeadm.ts';
import { minorText, type Minor } from './version.ts';

interface NodeJson {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

export async function kubeadmUpgradeCheck(c: CheckContext, target: Minor): Promise<void> {
  const { session } = await c.cluster();
  const kubeadm = await readKubeadm(session.connection, c.signal);
  for (const problem of kubeadm.problems) c.log(problem);
  if (kubeadm.cluster === undefined)
    return c.skip(
      kubeadm.present.kubeadmConfig
        ? `kube-system/kubeadm-config cannot be read as a ClusterConfiguration (${kubeadm.problems.join('; ')}): kubeadm's rules are not judged`
        : `${NOT_KUBEADM}: kubeadm's rules do not apply; the version skew check judges the versions`,
    );
  const selector = encodeURIComponent('k8s-app=kube-proxy');
  const [apiServer, pods, nodes, proxies] = await Promise.all([
    session.clients.version.getCode().then((v) => v.gitVersion),
    getJson<{ items: PodJson[] }>(session.connection, '/api/v1/namespaces/kube-system/pods', c.signal),
    getJson<{ items: NodeJson[] }>(session.connection, '/api/v1/nodes', c.signal),
    getJson<{ items: { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }[] }>(
      session.connection,
      `/apis/apps/v1/namespaces/kube-system/daemonsets?labelSelector=${selector}`,
      c.signal,
    ),
  ]);
  const proxyImage = proxies.items[0]?.spec?.template?.spec?.containers?.[0]?.image;
  const proxyTag = proxyImage === undefined ? undefined : imageTag(proxyImage);
  const judged = judgeKubeadmUpgrade({
    apiServer,
    target,
    cluster: kubeadm.cluster,
    staticPods: staticPodsOf(pods.items),
    kubelets: nodes.items.map((n) => ({
      node: n.metadata.name,
      version: n.status?.nodeInfo?.kubeletVersion ?? '',
      controlPlane: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
    })),
    ...(proxyImage === undefined ? {} : { kubeProxy: { image: proxyImage, ...(proxyTag === undefined ? {} : { version: proxyTag }) } }),
  });
  if (kubeadm.cluster.kubernetesVersion !== undefined) c.property('gate.kubeadm-kubernetes-version', kubeadm.cluster.kubernetesVersion);
  conclude(c, judged.findings, {
    pass: `kubeadm ${kubeadm.cluster.kubernetesVersion ?? apiServer} -> ${minorText(target)}: one minor at most, the control plane at one version, no kubelet ahead of it; \`kubeadm version\` must show ${minorText(target)} first (not visible here)`,
    evidence: [
      { label: 'kubeadm', text: judged.lines.join('\n') },
      { label: 'the upgrade as kubeadm does it', text: judged.plan.join('\n') },
    ],
    likelyCause: 'the cluster is not where kubeadm can start this upgrade from',
  });
}
