// What the local cluster is running: component versions, nodes, pods, images, and the kubeconfig.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './build.ts';
import { tryKubectl } from './kube.ts';
import { kubeconfigPath, logDir, nodeLayout, type NodeLayout, runningNodes } from './layout.ts';
import { flannel } from './flannel.ts';
import { ctrArgs } from './node.ts';
import { currentClusterProfile, currentProfile } from './profile.ts';
import { kubeadmVersion, nodeBin, nodeRoots } from './kubeadm/node.ts';
import { tail, tryRun } from './sh.ts';
import { versions } from './versions.ts';

function firstLine(out: string | null): string {
  return out?.trim().split('\n')[0] ?? 'not built';
}

export function status(): boolean {
  const lines: string[] = ['components:'];
  for (const c of ['kube-apiserver', 'kubelet', 'kube-proxy']) lines.push(`  ${c}: ${firstLine(tryRun(binary(c), ['--version']))}`);
  lines.push(`  containerd: ${firstLine(tryRun('containerd', ['--version']))}`);
  lines.push(`  runc: ${firstLine(tryRun('runc', ['--version']))}`);
  lines.push(`  etcd: ${firstLine(tryRun('etcd', ['--version']))}`);
  lines.push(
    `  coredns: v${versions.coredns}, kube-router: v${versions.kubeRouter}, traefik: v${versions.traefik}, local-path-provisioner: v${versions.localPathProvisioner}, gateway-api: v${versions.gatewayApi}`,
  );
  lines.push(`  cert-manager: v${versions.certManager}, metrics-server: v${versions.metricsServer}`);
  lines.push(`kubeconfig: ${existsSync(kubeconfigPath) ? kubeconfigPath : '(none: the cluster is not up)'}`);
  if (existsSync(kubeconfigPath)) {
    const profile = currentProfile();
    if (currentClusterProfile() === 'kubeadm') {
      lines.push('control plane: kubeadm (static pods on node1; kube-proxy DaemonSet and CoreDNS as kubeadm installs them)');
      for (const node of runningNodes()) {
        const kubelet = firstLine(tryRun(join(nodeBin(node), 'kubelet'), ['--version']));
        lines.push(`  ${node.name}: kubeadm ${kubeadmVersion(node)}, ${kubelet}`);
      }
    }
    lines.push(
      `pod network: ${profile === 'flannel' ? `flannel v${versions.flannel} (VXLAN; no NetworkPolicy enforcement)` : 'default (bridge per node, static routes, kube-router enforcing NetworkPolicy)'}`,
    );
  }
  const nodes = tryKubectl(['get', 'nodes', '-o', 'wide']);
  const running = nodes !== null;
  lines.push('nodes:', running ? nodes.trimEnd() : '  (API server not reachable)');
  if (running) {
    lines.push('pods:', (tryKubectl(['get', 'pods', '-A', '-o', 'wide']) ?? '').trimEnd());
    const names = (tryKubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']) ?? '').split(' ').filter(Boolean);
    for (const name of names) {
      const node = nodeLayout(Number(name.replace(/^node/, '')));
      const images = tryRun('ctr', ctrArgs(node, ['images', 'ls', '-q'])) ?? '';
      lines.push(
        `images on ${name}:`,
        ...images
          .split('\n')
          .filter((i) => i && !i.startsWith('sha256:'))
          .map((i) => `  ${i}`),
      );
    }
  }
  console.log(lines.join('\n'));
  return running;
}

/** The last lines of every component's log: what CI prints when a cluster step failed. */
export function printLogTails(lines: number): void {
  if (!existsSync(logDir)) return console.log(`no logs in ${logDir}`);
  for (const f of readdirSync(logDir)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    console.log(`--- ${join(logDir, f)}\n${tail(readFileSync(join(logDir, f), 'utf8'), lines)}`);
  }
  // In the flannel profile the pod network is a DaemonSet: its logs are pod logs, read from each
  // node's log directory so they print even when the API server does not answer.
  if (currentProfile() === 'flannel')
    for (const f of podLogFiles((node) => join(node.dir, 'pod-logs'), new RegExp(`^${flannel.namespace}_`)))
      console.log(`--- ${f}\n${tail(readFileSync(f, 'utf8'), lines)}`);
  // In the kubeadm profile the control plane and kube-proxy are pods too.
  if (currentClusterProfile() === 'kubeadm')
    for (const f of podLogFiles(
      (node) => nodeRoots(node)['/var/log/pods'] ?? '',
      /^kube-system_(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy)-/,
    ))
      console.log(`--- ${f}\n${tail(readFileSync(f, 'utf8'), lines)}`);
}

/** The newest log of every container of the pods whose log directory (namespace_name_uid) matches. */
function podLogFiles(podLogsDir: (node: NodeLayout) => string, pods: RegExp): string[] {
  return runningNodes().flatMap((node) => {
    const dir = podLogsDir(node);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((pod) => pods.test(pod))
      .flatMap((pod) => readdirSync(join(dir, pod)).map((c) => [pod, c] as const))
      .flatMap(([pod, c]) => {
        const container = join(dir, pod, c);
        if (!existsSync(container)) return [];
        // The newest restart's log: N.log, highest N.
        const newest = readdirSync(container)
          .filter((f) => /^\d+\.log$/.test(f))
          .sort((a, b) => parseInt(b, 10) - parseInt(a, 10))[0];
        return newest === undefined ? [] : [join(container, newest)];
      });
  });
}
