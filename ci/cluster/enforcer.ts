// The NetworkPolicy enforcer switch of the local cluster: kube-router stopped (and its rules
// removed) or started again, on every node or on one (`--node NAME`), so a test can make a cluster
// whose NetworkPolicy holds nowhere, or everywhere but on one node.
import { join } from 'node:path';
import { ClusterError } from './errors.ts';
import { pkiDir, runningNodes, type NodeLayout } from './layout.ts';
import { log } from './log.ts';
import { kubeRouterRunning, startKubeRouter, stopKubeRouter } from './node.ts';
import { currentProfile } from './profile.ts';

export type EnforcerState = 'on' | 'off';

export function parseEnforcerState(state: string | undefined, usage: string): EnforcerState {
  if (state !== 'on' && state !== 'off') throw new Error(`enforcer takes on or off (got ${state ?? 'nothing'})\n${usage}`);
  return state;
}

/** The nodes to switch: every running node, or the one named (which must be running). */
export function enforcerNodes(running: readonly NodeLayout[], nodeName: string | undefined): NodeLayout[] {
  if (nodeName === undefined) return [...running];
  const node = running.find((n) => n.name === nodeName);
  if (node === undefined) throw new Error(`no node ${nodeName} in the local cluster (nodes: ${running.map((n) => n.name).join(', ') || 'none'})`);
  return [node];
}

/** Turns NetworkPolicy enforcement off (enforcer stopped, its rules removed) or back on, on every node or on the one named. */
export async function setEnforcer(state: EnforcerState, nodeName?: string): Promise<void> {
  const running = runningNodes();
  if (running.length === 0) throw new ClusterError('CLUSTER_NOT_RUNNING', 'no local cluster is running', { hint: 'npm run cluster:up' });
  if (currentProfile() === 'flannel') {
    throw new ClusterError('CLUSTER_COMMAND_FAILED', 'the flannel profile has no NetworkPolicy enforcer to switch: flannel enforces no NetworkPolicy', {
      hint: 'npm run cluster:up -- --nodes 2 (the default profile) has kube-router',
    });
  }
  const nodes = enforcerNodes(running, nodeName);
  const kubeconfig = join(pkiDir, 'kube-router.kubeconfig');
  for (const node of nodes) {
    if (state === 'off') await stopKubeRouter(node);
    else if (!kubeRouterRunning(node)) await startKubeRouter(node, kubeconfig);
  }
  log.done(`NetworkPolicy enforcement ${state} on ${nodes.map((n) => n.name).join(', ')}`);
}
