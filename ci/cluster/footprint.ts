// What the cluster leaves on this machine, as comparable lists: a snapshot before cluster:up and
// one after cluster:down must be equal. Run as a script it prints the snapshot as JSON.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ourCgroups } from './down.ts';
import { kubeconfigPath, runDir, stateDir } from './layout.ts';
import { tryRun } from './sh.ts';

export type Footprint = Record<string, string[]>;

/** Programs of the cluster; a process running one of these after cluster:down is a leftover. */
const clusterPrograms = [
  'containerd',
  'containerd-shim',
  'containerd-shim-runc-v2',
  'runc',
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kube-router',
  'coredns',
  'traefik',
  'local-path-provisioner',
  'cert-manager',
  'metrics-server',
  'pause',
];

function processes(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie is already dead; it waits only for PID 1 to reap it.
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) continue;
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (clusterPrograms.includes(comm) || cmdline.includes(stateDir) || cmdline.includes(runDir) || cmdline.includes('upstream-dns.ts'))
        found.push(`${comm}: ${cmdline}`);
    } catch {
      // gone while we looked
    }
  }
  return found.sort();
}

const lines = (out: string | null): string[] =>
  (out ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

export function footprint(): Footprint {
  return {
    netns: lines(tryRun('ip', ['netns', 'list'])),
    links: lines(tryRun('ip', ['-o', 'link', 'show']))
      .map((l) => /^\d+:\s+([^:]+)/.exec(l)?.[1] ?? l)
      .sort(),
    addresses: lines(tryRun('ip', ['-o', '-4', 'addr', 'show'])).map((l) => l.split(/\s+/).slice(1, 4).join(' ')),
    routes: lines(tryRun('ip', ['route', 'show'])),
    iptables: lines(tryRun('iptables', ['-w', '-S'])),
    iptablesNat: lines(tryRun('iptables', ['-w', '-t', 'nat', '-S'])),
    ipsets: lines(tryRun('ipset', ['list', '-n'])),
    mounts: lines(readFileSync('/proc/self/mountinfo', 'utf8'))
      .map((l) => l.split(' ')[4] ?? l)
      .sort(),
    processes: processes(),
    cgroups: ourCgroups(),
    paths: [stateDir, runDir, kubeconfigPath].filter((p) => existsSync(p)),
  };
}

/** What `after` has that `before` did not, per category. */
export function leftovers(before: Footprint, after: Footprint): string[] {
  return Object.entries(after).flatMap(([kind, items]) => {
    const had = new Set(before[kind] ?? []);
    return items.filter((i) => !had.has(i)).map((i) => `${kind}: ${i}`);
  });
}

if (import.meta.main) console.log(JSON.stringify(footprint(), null, 2));
