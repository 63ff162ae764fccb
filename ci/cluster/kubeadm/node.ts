// A kubeadm node on this machine. kubeadm and the kubelet it configures read and write fixed paths
// (/etc/kubernetes, /var/lib/kubelet, /var/lib/etcd, /var/log/pods): each node's mount namespace binds
// its own directories over them, so node1 and node2 each have their own, and the host's stay as
// they were. The node's init system is played by a `systemctl` of ours first on kubeadm's PATH,
// which starts the kubelet the way kubeadm's systemd drop-in does, with the kubelet "installed" on
// that node (a symlink the upgrade moves to the next release).
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentBinary } from '../build.ts';
import { type DaemonSpec, killAll, processesInNetns, startDaemon } from '../daemons.ts';
import { logDir, type NodeLayout, stateDir } from '../layout.ts';
import { runLogged, tryRun } from '../sh.ts';
import { releaseComponent } from './images.ts';

/** Paths kubeadm and the kubelet use on a node -> the node's own directory under its state. */
export function nodeRoots(node: NodeLayout): Record<string, string> {
  const root = join(node.dir, 'root');
  return {
    '/etc/kubernetes': join(root, 'etc-kubernetes'),
    '/var/lib/kubelet': join(root, 'var-lib-kubelet'),
    '/var/lib/etcd': join(root, 'var-lib-etcd'),
    '/var/log/pods': join(root, 'var-log-pods'),
    '/var/log/containers': join(root, 'var-log-containers'),
  };
}

/** The node's view of a path kubeadm wrote (read from the host). */
export const onNode = (node: NodeLayout, path: string): string => {
  for (const [inNode, own] of Object.entries(nodeRoots(node))) if (path.startsWith(`${inNode}/`)) return join(own, path.slice(inNode.length + 1));
  throw new Error(`${path} is not one of the node's own directories`);
};

/** Mount points made on the host for the binds (recorded, so cluster:down removes only those it made). */
const madeMountPoints = join(stateDir, 'kubeadm-mount-points');

/** Directories the node's mount namespace binds over the host's, and the resolver file pods and kubeadm read. */
export function kubeadmBinds(node: NodeLayout): Record<string, string> {
  const roots = nodeRoots(node);
  const made = existsSync(madeMountPoints) ? readFileSync(madeMountPoints, 'utf8').split('\n').filter(Boolean) : [];
  for (const [target, source] of Object.entries(roots)) {
    mkdirSync(source, { recursive: true, mode: 0o700 });
    if (!existsSync(target)) {
      // Recorded as soon as it exists, so a failure further on cannot leave it unknown to cluster:down.
      made.push(target);
      writeFileSync(madeMountPoints, [...new Set(made)].join('\n'));
      mkdirSync(target, { recursive: true });
    }
  }
  return { ...roots, '/etc/resolv.conf': join(stateDir, 'resolv.conf') };
}

/** Removes the host mount points the kubeadm profile made, if still empty (called by cluster:down). */
export function removeMadeMountPoints(): string[] {
  if (!existsSync(madeMountPoints)) return [];
  const problems: string[] = [];
  for (const dir of readFileSync(madeMountPoints, 'utf8').split('\n').filter(Boolean)) {
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${dir} (made for the kubeadm profile): ${(err as Error).message}`);
    }
  }
  return problems;
}

/** The node's own bin directory: what is "installed" on it (kubelet, kubeadm) and its systemctl. */
export const nodeBin = (node: NodeLayout): string => join(node.dir, 'bin');

/** Installs a release's kubelet and kubeadm on the node, as a package upgrade would. */
export function install(node: NodeLayout, release: string, programs: ('kubelet' | 'kubeadm')[]): void {
  const bin = nodeBin(node);
  mkdirSync(bin, { recursive: true });
  const component = releaseComponent(release);
  for (const p of programs) {
    rmSync(join(bin, p), { force: true });
    symlinkSync(componentBinary(p === 'kubeadm' && component === 'kubernetes' ? 'kubeadm' : component, p), join(bin, p));
  }
}

export function writeSystemctl(node: NodeLayout): void {
  const script = join(import.meta.dirname, 'systemctl.ts');
  writeFileSync(join(nodeBin(node), 'systemctl'), `#!/bin/sh\nexec '${process.execPath}' '${script}' '${node.index}' "$@"\n`, { mode: 0o755 });
}

/** The environment kubeadm runs in on a node: our systemctl and the node's kubelet first on PATH. */
export const kubeadmEnv = (node: NodeLayout): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${nodeBin(node)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
});

/** `KUBELET_KUBEADM_ARGS="--a=b --c=d"` from the flags file kubeadm writes. */
export function kubeadmFlags(envFile: string): string[] {
  const m = /KUBELET_KUBEADM_ARGS="([^"]*)"/.exec(envFile);
  return m?.[1]?.split(/\s+/).filter(Boolean) ?? [];
}

/** The kubelet as kubeadm's systemd drop-in (10-kubeadm.conf) starts it. */
export function kubeletService(node: NodeLayout, inside: boolean): DaemonSpec {
  const flagsFile = onNode(node, '/var/lib/kubelet/kubeadm-flags.env');
  return {
    name: `${node.name}-kubelet`,
    cmd: realpathSync(join(nodeBin(node), 'kubelet')),
    args: [
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
      '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml',
      ...(existsSync(flagsFile) ? kubeadmFlags(readFileSync(flagsFile, 'utf8')) : []),
    ],
    // Started by kubeadm through our systemctl, the kubelet is already in the node's namespaces.
    ...(inside ? {} : { netns: node.netnsPath, mntns: node.mntns }),
    hint: `the kubelet log says which file or certificate kubeadm left it without (${join(logDir, `${node.name}-kubelet.log`)})`,
  };
}

/** The node's network namespace as a path: inside the node, /run/netns is the node's own (empty) tmpfs. */
const netnsOf = (node: NodeLayout, inside: boolean): string => (inside ? '/proc/self/ns/net' : node.netnsPath);

export function kubeletRunning(node: NodeLayout, inside: boolean): boolean {
  return processesInNetns(netnsOf(node, inside), 'kubelet').length > 0;
}

export async function stopKubelet(node: NodeLayout, inside: boolean): Promise<void> {
  await killAll(processesInNetns(netnsOf(node, inside), 'kubelet'));
}

export async function restartKubelet(node: NodeLayout, inside: boolean): Promise<void> {
  await stopKubelet(node, inside);
  // A kubelet started before kubeadm wrote its configuration would only crash-loop; systemd's would too.
  if (!existsSync(onNode(node, '/var/lib/kubelet/config.yaml'))) return;
  startDaemon(kubeletService(node, inside));
}

/** Runs kubeadm on the node, its output in a log file of its own; rejects with the log's tail. */
export function kubeadm(node: NodeLayout, args: string[], step: string): Promise<void> {
  const log = join(logDir, `kubeadm-${node.name}-${step}.log`);
  mkdirSync(logDir, { recursive: true });
  return runLogged(join(nodeBin(node), 'kubeadm'), args, log, {
    netns: node.netnsPath,
    mntns: node.mntns,
    env: kubeadmEnv(node),
    hint: `the log names the phase that failed; kubeadm's files on ${node.name} are under ${join(node.dir, 'root')}`,
  });
}

/** What `kubeadm version -o short` says on the node. */
export const kubeadmVersion = (node: NodeLayout): string => tryRun(join(nodeBin(node), 'kubeadm'), ['version', '-o', 'short'])?.trim() ?? '(none)';
