// Faults put into the local cluster on purpose, so tests can show that shakedown names the broken
// component. A hung component is stopped with SIGSTOP: its process lives and its ports stay open but
// it does nothing (no scheduling, no heartbeats, no answers), as a deadlocked or starved process
// looks from the outside. `resume` sends SIGCONT to every component and starts again the ones that
// ended meanwhile (a scheduler or controller-manager that lost its leader Lease exits on purpose).
import { readFileSync } from 'node:fs';
import { startControllerManager, startScheduler } from './controlplane.ts';
import { alive, killAll, processesInNetns } from './daemons.ts';
import { ClusterError } from './errors.ts';
import { controlPlane, type NodeLayout, runningNodes } from './layout.ts';
import { log } from './log.ts';
import { storedPki } from './pki.ts';

export const FAULT_COMPONENTS = ['kube-scheduler', 'kube-controller-manager', 'etcd', 'kubelet', 'kube-proxy'] as const;
export type FaultComponent = (typeof FAULT_COMPONENTS)[number];

// /proc/PID/comm holds at most 15 characters.
const COMM: Record<FaultComponent, string> = {
  'kube-scheduler': 'kube-scheduler',
  'kube-controller-manager': 'kube-controller',
  etcd: 'etcd',
  kubelet: 'kubelet',
  'kube-proxy': 'kube-proxy',
};

const perNode = (component: FaultComponent): boolean => component === 'kubelet' || component === 'kube-proxy';

function nodes(): NodeLayout[] {
  const running = runningNodes();
  if (running.length === 0) throw new ClusterError('CLUSTER_NOT_RUNNING', 'no local cluster is running', { hint: 'npm run cluster:up' });
  return running;
}

function pidsOf(component: FaultComponent, node: NodeLayout): number[] {
  return processesInNetns(node.netnsPath, COMM[component]);
}

export function parseComponent(name: string | undefined): FaultComponent {
  const found = FAULT_COMPONENTS.find((c) => c === name);
  if (found === undefined) throw new Error(`fault takes one of ${FAULT_COMPONENTS.join(', ')} (got ${name ?? 'nothing'})`);
  return found;
}

/** Stops (SIGSTOP) the component: on the named node for per-node components, on the control plane otherwise. */
export function hang(component: FaultComponent, nodeName?: string): number[] {
  const all = nodes();
  const node = perNode(component) ? all.find((n) => n.name === (nodeName ?? all.at(-1)?.name)) : controlPlane;
  if (node === undefined) throw new Error(`no node ${nodeName} in the local cluster (nodes: ${all.map((n) => n.name).join(', ')})`);
  const pids = pidsOf(component, node);
  if (pids.length === 0) throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${component} is not running on ${node.name}`, { hint: 'npm run cluster:status' });
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  log.done(`${component} on ${node.name} hung (SIGSTOP, pid ${pids.join(', ')}); \`fault resume\` undoes it`);
  return pids;
}

const stopped = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') === true;
  } catch {
    return false;
  }
};

/** Resumes every hung component and starts again a scheduler or controller-manager that ended. */
export async function resume(): Promise<string[]> {
  const resumed: string[] = [];
  for (const node of nodes()) {
    for (const component of FAULT_COMPONENTS) {
      for (const pid of pidsOf(component, node).filter(stopped)) {
        process.kill(pid, 'SIGCONT');
        resumed.push(`${component} on ${node.name}`);
      }
    }
  }
  // A leader that missed its renew deadline exits on purpose once it runs again.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const restarted: string[] = [];
  if (pidsOf('kube-controller-manager', controlPlane).filter(alive).length === 0) {
    await startControllerManager(storedPki());
    restarted.push('kube-controller-manager');
  }
  if (pidsOf('kube-scheduler', controlPlane).filter(alive).length === 0) {
    await startScheduler();
    restarted.push('kube-scheduler');
  }
  log.done(`resumed: ${resumed.join(', ') || 'nothing was hung'}${restarted.length > 0 ? `; started again: ${restarted.join(', ')}` : ''}`);
  return [...resumed, ...restarted];
}

/** Ends and starts again the scheduler or controller-manager (to pick up new flags without a new cluster). */
export async function restart(component: FaultComponent): Promise<void> {
  if (component !== 'kube-scheduler' && component !== 'kube-controller-manager')
    throw new Error(`restart takes kube-scheduler or kube-controller-manager (got ${component})`);
  const left = await killAll(pidsOf(component, controlPlane));
  if (left.length > 0)
    throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${component} did not end (pid ${left.join(', ')})`, { hint: 'npm run cluster:status' });
  if (component === 'kube-scheduler') await startScheduler();
  else await startControllerManager(storedPki());
  log.done(`${component} started again`);
}
