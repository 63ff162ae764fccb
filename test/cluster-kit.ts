// What the tests against the real local cluster share: a session on its kubeconfig for one use,
// scaling an add-on's Deployment and waiting until exactly that many of its pods are Ready, and
// the harness (`npm run cluster:...`, e.g. `fault hang`) and waiting until every component heartbeats again, and
// the fault lock files that keep tests from running against a cluster another test broke on
// purpose (cluster-fault.lock for the control plane, cluster-fault-NAME.lock for an add-on).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentLease, nodeLeases } from '../helpers/kube/leases.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { KUBECONFIG, ROOT, runNode } from './cli-child.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withSession<T>(use: (session: KubeSession) => Promise<T>): Promise<T> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

export async function scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
  await withSession(async ({ clients: { apps } }) => {
    const current = await apps.readNamespacedDeploymentScale({ namespace, name });
    await apps.replaceNamespacedDeploymentScale({ namespace, name, body: { ...current, spec: { replicas } } });
  });
}

// Until exactly `replicas` pods match (none left over when scaling down) and all are Ready.
export async function waitPodsReady(namespace: string, labelSelector: string, replicas: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = await withSession(async (session) => (await session.clients.core.listNamespacedPod({ namespace, labelSelector })).items);
    const ready = pods.filter(
      (pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length === replicas && pods.length === replicas) return;
    if (Date.now() > deadline) throw new Error(`${namespace} ${labelSelector}: expected ${replicas} ready pod(s), saw ${ready.length} ready of ${pods.length}`);
    await sleep(1000);
  }
}

const LOCK_PREFIX = 'cluster-fault';

export function faultLock(name?: string): string {
  return join(tmpdir(), `${LOCK_PREFIX}${name === undefined ? '' : `-${name}`}.lock`);
}

// Waits while another test has the cluster broken on purpose (any fault lock but `mine`).
// A lock whose holder is gone (a test process killed mid-fault) holds nothing: it is removed, or
// every later fault test would wait for it until its timeout.
function heldByLiveProcess(path: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return false;
  }
  try {
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return true;
    rmSync(path, { force: true });
    return false;
  }
}

function othersHeld(mine?: string): boolean {
  return readdirSync(tmpdir())
    .filter((file) => file.startsWith(LOCK_PREFIX) && file.endsWith('.lock') && join(tmpdir(), file) !== mine)
    .some((file) => heldByLiveProcess(join(tmpdir(), file)));
}

export async function waitOthersFaults(mine?: string): Promise<void> {
  while (othersHeld(mine)) await sleep(2000);
}

// Holds a fault lock for the body (after the others' faults are over), and always lets it go. The
// lock file is created exclusively, and the others are looked at again once it is held: two tests
// (or two people) starting a fault at once never both proceed.
export async function withFaultLock<T>(name: string | undefined, body: () => Promise<T>): Promise<T> {
  const lock = await acquireFaultLock(name);
  try {
    return await body();
  } finally {
    releaseFaultLock(lock);
  }
}

// The lock of withFaultLock, for a fault whose start and end are apart (a switch turned off, then on).
export async function acquireFaultLock(name: string | undefined): Promise<string> {
  const lock = faultLock(name);
  for (;;) {
    await waitOthersFaults(lock);
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Held under the same name by a live process: wait for it (a dead holder's is removed).
      if (heldByLiveProcess(lock)) await sleep(2000);
      continue;
    }
    if (!othersHeld(lock)) return lock;
    rmSync(lock, { force: true });
    await sleep(500 + Math.random() * 2000);
  }
}

export function releaseFaultLock(lock: string): void {
  if (existsSync(lock)) rmSync(lock, { force: true });
}

// `npm run cluster:ARGS` (the local cluster's harness), failing with its output.
export async function harness(...args: string[]): Promise<void> {
  const ran = await runNode([join(ROOT, 'ci', 'cluster', 'main.ts'), ...args]);
  if (ran.code !== 0) throw new Error(`cluster ${args.join(' ')} failed (exit ${ran.code}): ${ran.stderr}${ran.stdout}`);
}

// Until every component heartbeats again: both leader Leases held and fresh, every node Lease fresh.
export async function waitHealthy(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await withSession(async (session) => {
      const [scheduler, manager, nodes] = await Promise.all([
        componentLease(session.clients.coordination, 'kube-scheduler'),
        componentLease(session.clients.coordination, 'kube-controller-manager'),
        nodeLeases(session.clients.coordination),
      ]);
      const stale = [
        ...(scheduler.kind === 'lease' && !scheduler.lease.stale ? [] : ['kube-scheduler']),
        ...(manager.kind === 'lease' && !manager.lease.stale ? [] : ['kube-controller-manager']),
        ...[...(nodes ?? new Map())].filter(([, lease]) => lease.stale).map(([node]) => `kubelet on ${node}`),
      ];
      return stale;
    }).catch((error: unknown) => [`API: ${(error as Error).message}`]);
    if (state.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not heal: ${state.join(', ')}`);
    await sleep(1000);
  }
}
