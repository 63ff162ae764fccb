// Host prerequisites: root, Go, and the Debian packages the cluster runs on (installed when
// missing and we are root; otherwise a clear error naming them).
import { existsSync } from 'node:fs';
import { ClusterError } from './errors.ts';
import { log } from './log.ts';
import { run, tryRun, which } from './sh.ts';
import { debianPackages } from './versions.ts';

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new ClusterError('CLUSTER_NOT_ROOT', 'the local cluster must run as root', { hint: 'run it with sudo, or as root in a VM or CI machine' });
  }
}

function missingPackages(): string[] {
  const missing = Object.entries(debianPackages)
    .filter(([tool]) => (tool.startsWith('/') ? !existsSync(tool) : which(tool) === null))
    .map(([, pkg]) => pkg);
  return [...new Set(missing)];
}

export function ensurePackages(): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new ClusterError('CLUSTER_MISSING_TOOL', `missing Debian packages: ${missing.join(' ')}`, { hint: `apt-get install ${missing.join(' ')}` });
  }
  log.step(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env, hint: 'apt-get update failed: is the Debian mirror reachable?' });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, hint: `apt-get install ${missing.join(' ')}` });
  // Debian's packages may start their own daemons; the cluster runs its own instances instead.
  for (const svc of ['containerd', 'etcd']) tryRun('service', [svc, 'stop']);
}

export function requireGo(): void {
  const v = tryRun('go', ['env', 'GOVERSION'])?.trim();
  const m = v ? /^go(\d+)\.(\d+)/.exec(v) : null;
  if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 24)) {
    throw new ClusterError('CLUSTER_MISSING_TOOL', `Go 1.24 or newer is needed to build the cluster's components (found: ${v ?? 'none'})`, {
      hint: 'install Go 1.24+ and put it on PATH',
    });
  }
}
