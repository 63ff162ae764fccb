// `npm start`: runs every suite against the current kubeconfig context. With no kubeconfig at all
// (no --kubeconfig, no SHAKEDOWN_KUBECONFIG, no KUBECONFIG, no ~/.kube/config), it brings up the
// local cluster with `npm run cluster:up` and runs against .cluster/kubeconfig, saying so.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { findKubeconfig } from '../helpers/kube/kubeconfig.ts';
import { main, processIo, type CliIo } from './main.ts';

export interface StartPlan {
  argv: string[];
  // Set when the local cluster must be brought up first.
  localKubeconfig?: string;
}

export function planStart(io: Pick<CliIo, 'argv' | 'env' | 'home'>, root: string = PACKAGE_ROOT): StartPlan {
  const explicit = io.argv.some((arg) => arg === '--kubeconfig' || arg.startsWith('--kubeconfig=')) || (io.env.SHAKEDOWN_KUBECONFIG ?? '') !== '';
  if (explicit || findKubeconfig({ explicit: undefined, env: io.env, home: io.home }) !== undefined) return { argv: ['run', ...io.argv] };
  const localKubeconfig = join(root, '.cluster', 'kubeconfig');
  return { argv: ['run', '--kubeconfig', localKubeconfig, ...io.argv], localKubeconfig };
}

if (import.meta.main) {
  const io = processIo();
  const plan = planStart(io);
  let ready = true;
  if (plan.localKubeconfig !== undefined) {
    const up = spawnSync('npm', ['run', '--silent', 'cluster:status'], { cwd: PACKAGE_ROOT, stdio: 'ignore' }).status === 0;
    if (up) {
      io.stderr.write(`no kubeconfig found: running against the local cluster that is already up (${plan.localKubeconfig})\n`);
    } else {
      io.stderr.write(`no kubeconfig found: bringing up the local cluster (npm run cluster:up) and running against ${plan.localKubeconfig}\n`);
      ready = spawnSync('npm', ['run', '--silent', 'cluster:up'], { cwd: PACKAGE_ROOT, stdio: 'inherit' }).status === 0;
    }
    if (!ready)
      io.stderr.write('error SD_SETUP_FAILED: `npm run cluster:up` failed\nhint: read its output above; `npm run cluster:status` shows what is running\n');
  }
  process.exitCode = ready ? await main({ ...io, argv: plan.argv }) : 2;
}
