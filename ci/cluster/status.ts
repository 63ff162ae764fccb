// What the local cluster is running: component versions, nodes, pods, images, and the kubeconfig.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './build.ts';
import { tryKubectl } from './kube.ts';
import { kubeconfigPath, logDir, nodeLayout, runningNodes } from './layout.ts';
import { flannel } from './flannel.ts';
import { ctrArgs } from './node.ts';
import { currentProfile } from './profile.ts';
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
  if (currentProfile() === 'flannel') for (const f of flannelLogFiles()) console.log(`--- ${f}\n${tail(readFileSync(f, 'utf8'), lines)}`);
}

function flannelLogFiles(): string[] {
  return runningNodes().flatMap((node) => {
    const dir = join(node.dir, 'pod-logs');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((pod) => pod.startsWith(`${flannel.namespace}_`))
      .flatMap((pod) => {
        const container = join(dir, pod, 'kube-flannel');
        if (!existsSync(container)) return [];
        // The newest restart's log: N.log, highest N.
        const newest = readdirSync(container)
          .filter((f) => /^\d+\.log$/.test(f))
          .sort((a, b) => parseInt(b, 10) - parseInt(a, 10))[0];
        return newest === undefined ? [] : [join(container, newest)];
      });
  });
}
