// kubeadm's own upgrade rules, judged where kubeadm-config exists: an upgrade half-done is finished
// first; the target is at most one minor above what kubeadm-config records (kubeadm never skips a
// minor); the control plane goes first and every control-plane node is at one version; no kubelet is
// newer than the API server; kube-proxy (the DaemonSet `kubeadm upgrade apply` rewrites) is at the
// control plane's minor. kubeadm's own version is not visible through the API: the plan says when
// to look at it. Pure: what was read in, findings and lines out.
import { fail, warn, type Finding } from '../../helpers/engine/findings.ts';
import { plainVersion, type ClusterConfiguration, type StaticPod } from '../lib/kubeadm.ts';
import { minorsBetween, minorText, parseMinor, type Minor } from './version.ts';

export interface KubeadmUpgradeView {
  apiServer: string;
  target: Minor;
  cluster: ClusterConfiguration;
  staticPods: readonly StaticPod[];
  kubelets: readonly { node: string; version: string; controlPlane: boolean }[];
  // The kube-proxy DaemonSet's image tag, when kube-proxy is one.
  kubeProxy?: { image: string; version?: string };
}

export interface KubeadmUpgradeJudgement {
  findings: Finding[];
  lines: string[];
  // The upgrade as kubeadm does it, step by step, for this cluster.
  plan: string[];
}

const TARGET_X = (target: Minor): string => `v${minorText(target)}.x`;

export function judgeKubeadmUpgrade(view: KubeadmUpgradeView): KubeadmUpgradeJudgement {
  const findings: Finding[] = [];
  const { apiServer, target, cluster } = view;
  const recorded = cluster.kubernetesVersion;
  const lines = [`kubeadm-config kubernetesVersion ${recorded ?? '(unset)'}; the API server reports ${apiServer}; target ${minorText(target)}`];
  const current = parseMinor(apiServer);
  const base = parseMinor(recorded ?? '') ?? current;
  if (recorded !== undefined && plainVersion(recorded) !== plainVersion(apiServer))
    findings.push(
      fail(`an upgrade is half-done: kubeadm-config records ${recorded} while the API server reports ${apiServer}`, {
        likelyCause: `finish it before planning the next: \`kubeadm upgrade apply ${recorded}\` again on the first control-plane node (or \`kubeadm upgrade node\` on the control-plane nodes still at the old version), then check that every static pod runs ${recorded}`,
      }),
    );
  if (base !== undefined) {
    const step = minorsBetween(target, base);
    if (step === undefined) findings.push(fail(`the target ${minorText(target)} is another major version than ${minorText(base)}`));
    else if (step < 0) findings.push(fail(`the target ${minorText(target)} is older than ${minorText(base)}: kubeadm does not downgrade`));
    else if (step > 1)
      findings.push(
        fail(
          `kubeadm upgrades one minor at a time: ${minorText(base)} to ${minorText(target)} skips ${Array.from({ length: step - 1 }, (_, i) => `${base.major}.${base.minor + i + 1}`).join(', ')}`,
          {
            likelyCause: `\`kubeadm upgrade plan\` refuses a skipped minor: upgrade to ${base.major}.${base.minor + 1} first (kubeadm, control plane and kubelets), then to ${minorText(target)}`,
          },
        ),
      );
    else
      lines.push(
        step === 0
          ? `${minorText(base)} to ${minorText(target)}: a patch upgrade`
          : `${minorText(base)} to ${minorText(target)}: one minor, as kubeadm requires`,
      );
  }
  // Every control-plane node at one version before a new upgrade starts.
  const kube = view.staticPods.filter((p) => p.component !== 'etcd');
  const byVersion = new Map<string, string[]>();
  for (const pod of kube) {
    const v = pod.version ?? '(untagged)';
    byVersion.set(v, [...new Set([...(byVersion.get(v) ?? []), pod.node])]);
  }
  lines.push(
    kube.length === 0
      ? 'no control-plane static pods seen: their versions are not compared'
      : `control-plane static pods: ${[...byVersion].map(([v, nodes]) => `${v} on ${nodes.join(', ')}`).join('; ')}`,
  );
  if (byVersion.size > 1)
    findings.push(
      fail(`the control-plane nodes run different versions: ${[...byVersion].map(([v, nodes]) => `${v} on ${nodes.join(', ')}`).join('; ')}`, {
        likelyCause:
          'the last upgrade reached some control-plane nodes only: `kubeadm upgrade node` on each control-plane node still at the old version, before any new upgrade',
      }),
    );
  // Control plane before kubelets.
  for (const kubelet of view.kubelets) {
    const v = parseMinor(kubelet.version);
    if (v === undefined || current === undefined) continue;
    const ahead = minorsBetween(v, current);
    if (ahead !== undefined && ahead > 0)
      findings.push(
        fail(`the kubelet on ${kubelet.node} runs ${kubelet.version}, newer than the API server ${apiServer}`, {
          node: kubelet.node,
          likelyCause:
            'kubeadm upgrades the control plane first (`kubeadm upgrade apply`, then `kubeadm upgrade node`), the kubelets after it: a kubelet newer than the API server is never supported; put the old kubelet back or finish the control plane',
        }),
      );
  }
  const kubelets = [...new Set(view.kubelets.map((k) => k.version))];
  lines.push(`kubelets: ${view.kubelets.map((k) => `${k.node} ${k.version}${k.controlPlane ? ' (control plane)' : ''}`).join(', ') || 'none listed'}`);
  if (view.kubeProxy === undefined) lines.push('kube-proxy: not a DaemonSet in kube-system, not judged');
  else {
    const tag = view.kubeProxy.version;
    const v = parseMinor(tag ?? '');
    lines.push(`kube-proxy DaemonSet image ${view.kubeProxy.image}`);
    const apart = v === undefined || current === undefined ? undefined : minorsBetween(v, current);
    if (apart === undefined)
      findings.push(
        warn(`the kube-proxy DaemonSet's image ${view.kubeProxy.image} carries no comparable version: its minor cannot be compared with the control plane's`),
      );
    else if (apart !== 0)
      findings.push(
        (apart > 0 ? fail : warn)(`the kube-proxy DaemonSet runs ${tag ?? '?'}, ${apart > 0 ? 'newer' : 'older'} than the control plane's ${apiServer}`, {
          likelyCause:
            apart > 0
              ? 'kube-proxy must not be newer than the API server: the DaemonSet was changed by hand'
              : "`kubeadm upgrade apply` rewrites the kube-proxy DaemonSet to the control plane's version: it was pinned, skipped (--skip-phases addon/kube-proxy) or changed by hand afterwards",
        }),
      );
  }
  const first =
    view.staticPods.find((p) => p.component === 'kube-apiserver')?.node ?? view.kubelets.find((k) => k.controlPlane)?.node ?? 'the first control-plane node';
  const otherPlanes = [...new Set(view.kubelets.filter((k) => k.controlPlane && k.node !== first).map((k) => k.node))];
  const workers = view.kubelets.filter((k) => !k.controlPlane).map((k) => k.node);
  const plan = [
    `kubeadm's own version is not visible through the API (kubeadm-config records the cluster's kubernetesVersion, not kubeadm's): on ${first}, \`kubeadm version\` must print ${TARGET_X(target)} before \`kubeadm upgrade plan\``,
    `on ${first}: \`kubeadm upgrade plan\`, then \`kubeadm upgrade apply ${TARGET_X(target)}\` (static pods, kube-proxy, CoreDNS, kubeadm-config)`,
    otherPlanes.length === 0
      ? 'no other control-plane node: no `kubeadm upgrade node` step'
      : `on ${otherPlanes.join(', ')}: \`kubeadm upgrade node\`, one node at a time`,
    `kubelets node by node (${[first, ...otherPlanes, ...workers].join(', ')}): kubectl drain, \`kubeadm upgrade node\` on workers, kubelet and kubectl to ${TARGET_X(target)}, restart the kubelet, kubectl uncordon`,
    `kubelets may stay up to 3 minors behind the API server, never ahead: now ${kubelets.join(', ') || 'unknown'}`,
  ];
  return { findings, lines, plan };
}
