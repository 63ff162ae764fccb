// Long-running processes of the cluster: started detached inside a node's network and mount
// namespaces with their output in a log file, found again by the namespaces they live in.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterError } from './errors.ts';
import { logDir, runDir, stateDir } from './layout.ts';
import { tail, wrapNs } from './sh.ts';

export interface DaemonSpec {
  name: string;
  cmd: string;
  args: string[];
  netns?: string;
  mntns?: string;
  env?: NodeJS.ProcessEnv;
  hint: string;
}

export function logFile(name: string): string {
  return join(logDir, `${name}.log`);
}

export function startDaemon(d: DaemonSpec): number {
  mkdirSync(logDir, { recursive: true });
  const fd = openSync(logFile(d.name), 'a');
  const [c, a] = wrapNs(d.cmd, d.args, { ...(d.netns ? { netns: d.netns } : {}), ...(d.mntns ? { mntns: d.mntns } : {}) });
  const child = spawn(c, a, { detached: true, stdio: ['ignore', fd, fd], env: d.env ?? process.env });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${d.name} did not start`, { hint: d.hint });
  return child.pid;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ready` until it answers true; fails early when the process died, with its log tail. */
export async function waitFor(d: DaemonSpec, pid: number | undefined, ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    const died = pid !== undefined && !alive(pid);
    if (died || Date.now() > deadline) {
      const log = existsSync(logFile(d.name)) ? tail(readFileSync(logFile(d.name), 'utf8'), 25) : '(no log)';
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${d.name} ${died ? 'exited' : `was not ready after ${timeoutMs / 1000} s`}`, {
        hint: d.hint,
        logTail: `${logFile(d.name)}:\n${log}`,
      });
    }
    await sleep(250);
  }
}

function nsInode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** Every process in a cgroup tree (containers live in their own namespaces, but in our cgroups). */
function cgroupProcesses(dir: string): number[] {
  let pids: number[] = [];
  try {
    pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pids.push(...cgroupProcesses(join(dir, e.name)));
  } catch {
    // removed while we looked
  }
  return pids;
}

/**
 * Every process of the cluster: in one of our network or mount namespaces (daemons, shims), in one
 * of our nodes' cgroups (containers), or naming our state directories on its command line (a daemon
 * caught half-started).
 */
export function clusterProcesses(namespaceFiles: string[], cgroupRoots: string[]): number[] {
  const inodes = new Set(namespaceFiles.map(nsInode).filter((i): i is number => i !== null));
  const pids = new Set(cgroupRoots.flatMap(cgroupProcesses));
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const inNs = ['net', 'mnt'].some((t) => inodes.has(Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1])));
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (inNs || cmdline.includes(stateDir) || cmdline.includes(runDir)) pids.add(pid);
    } catch {
      // the process ended while we looked
    }
  }
  pids.delete(process.pid);
  return [...pids];
}

/** The processes running `comm` inside one network namespace (a node's daemon of that name). */
export function processesInNetns(netnsPath: string, comm: string): number[] {
  const ino = nsInode(netnsPath);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm && readlinkSync(`/proc/${pid}/ns/net`) === `net:[${ino}]`;
      } catch {
        return false;
      }
    });
}

/** TERM, then KILL what is left after the grace period; returns the pids that still live. */
export async function killAll(pids: number[], graceMs = 1500): Promise<number[]> {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(alive))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  await sleep(200);
  return pids.filter(alive);
}
