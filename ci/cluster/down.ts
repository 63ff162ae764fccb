// Takes the local cluster apart, whatever state it is in: processes, mounts, namespaces, links,
// host firewall chain, cgroups, state directories. Returns what it could not remove.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterProcesses, killAll } from './daemons.ts';
import { kubeconfigPath, runDir, stateDir } from './layout.ts';
import { removeMadeMountPoints } from './kubeadm/node.ts';
import { ourNetns, teardownNetwork } from './network.ts';
import { tryRun } from './sh.ts';

/** Mount points under the given directories, deepest first. */
function mountsUnder(dirs: string[]): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m): m is string => m !== undefined && dirs.some((d) => m === d || m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
}

export function namespaceFiles(): string[] {
  const mnt = existsSync(runDir)
    ? readdirSync(runDir)
        .map((n) => join(runDir, n, 'mntns'))
        .filter((f) => existsSync(f))
    : [];
  return [...ourNetns().map((n) => `/run/netns/${n}`), ...mnt];
}

/** Top-level cgroups of our nodes under every cgroup v1 controller, and the unified hierarchy. */
export function ourCgroups(): string[] {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((ctrl) => {
    try {
      return readdirSync(join(root, ctrl))
        .filter((n) => n.startsWith('shakedown-'))
        .map((n) => join(root, ctrl, n));
    } catch {
      return [];
    }
  });
}

function removeCgroupTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return;
  }
  for (const child of entries) removeCgroupTree(child);
  try {
    rmdirSync(dir);
  } catch {
    // reported by the caller's final check
  }
}

export async function down(): Promise<string[]> {
  const problems: string[] = [];
  const stuck = await killAll(clusterProcesses(namespaceFiles(), ourCgroups()));
  if (stuck.length) problems.push(`processes that would not die: ${stuck.join(' ')}`);
  for (const m of mountsUnder([runDir, stateDir])) {
    if (tryRun('umount', [m]) === null && tryRun('umount', ['-l', m]) === null) problems.push(`mount ${m}`);
  }
  problems.push(...(await teardownNetwork()));
  for (const cg of ourCgroups()) removeCgroupTree(cg);
  problems.push(...removeMadeMountPoints());
  problems.push(...ourCgroups().map((c) => `cgroup ${c}`));
  for (const dir of [stateDir, runDir]) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      problems.push(`${dir}: ${String(err)}`);
    }
  }
  rmSync(kubeconfigPath, { force: true });
  // The mount point the nodes cover with their own tmpfs; /run/netns belongs to `ip netns` and stays.
  try {
    rmdirSync('/run/containerd');
  } catch {
    // not ours to remove: absent, or in use by another containerd
  }
  // Likewise the flannel profile's /run/flannel (each node mounts its own tmpfs there): only if empty.
  try {
    rmdirSync('/run/flannel');
  } catch {
    // absent, or holding files that are not ours
  }
  return problems;
}
