// The versions every component reports, and the skew between them, as evidence (never judged here).
import type { CheckContext } from '../../helpers/engine/check.ts';
import { imageTag } from '../lib/image-tag.ts';
import { skewLines, type ComponentVersion } from './versions.ts';

const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'];

export async function versionsCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const apiServer = (await session.clients.version.getCode()).gitVersion;
  const nodes = (await session.clients.core.listNode()).items;
  const versions: ComponentVersion[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '?';
    const info = node.status?.nodeInfo;
    if (info?.kubeletVersion) versions.push({ component: 'kubelet', where: name, version: info.kubeletVersion });
    // Deprecated, and no longer set by recent kubelets: absent is not a finding.
    if (info?.kubeProxyVersion && info.kubeProxyVersion !== '' && info.kubeProxyVersion !== 'v0.0.0')
      versions.push({ component: 'kube-proxy (node status)', where: name, version: info.kubeProxyVersion });
  }
  const pods = (await session.clients.core.listNamespacedPod({ namespace: 'kube-system' })).items;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    const component = CONTROL_PLANE.includes(labels.component ?? '') ? labels.component : labels['k8s-app'] === 'kube-proxy' ? 'kube-proxy' : undefined;
    if (component === undefined) continue;
    const tag = imageTag(pod.spec?.containers[0]?.image ?? '');
    versions.push({ component: `${component} (image)`, where: `${pod.metadata?.name ?? '?'} on ${pod.spec?.nodeName ?? '?'}`, version: tag ?? '(untagged)' });
  }
  const asPods = versions.some((v) => v.component.endsWith('(image)') && !v.component.startsWith('kube-proxy'));
  const lines = [`kube-apiserver: ${apiServer}`, ...versions.map((v) => `${v.component} on ${v.where}: ${v.version}`)];
  if (!versions.some((v) => v.component.startsWith('kube-proxy')))
    lines.push('kube-proxy: no version in node status (the field is deprecated and left empty by recent kubelets) and no kube-proxy pods in kube-system');
  if (!asPods) lines.push('no control-plane pods in kube-system (component=kube-apiserver, ...): the control plane runs as host processes or is managed');
  c.evidence('versions', lines.join('\n'));
  const skew = skewLines(
    apiServer,
    versions.filter((v) => !v.component.startsWith('etcd')),
  );
  c.evidence(
    'skew against the API server (judged by the upgrade gate)',
    skew.length === 0 ? "none: every component is at the API server's minor version" : skew.join('\n'),
  );
  c.property('control-plane.apiserver-version', apiServer);
  const kubelets = [...new Set(versions.filter((v) => v.component === 'kubelet').map((v) => v.version))];
  c.note(
    `API server ${apiServer}; kubelets ${kubelets.join(', ') || 'unknown'} on ${nodes.length} node(s); ${skew.length === 0 ? 'no skew' : `${skew.length} component(s) skewed`}${asPods ? '' : '; control plane not run as pods'}`,
  );
}
