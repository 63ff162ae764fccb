// Shared by the netpol cluster tests: run the shakedown CLI in a child process, switch the local
// cluster's NetworkPolicy enforcer, and list what a run left behind.
import { openKubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG } from './cli-child.ts';
import { harness } from './cluster-kit.ts';

export { KUBECONFIG, type Ran, type ReportResult, readReport, shakedown } from './cli-child.ts';

// `npm run cluster:enforcer -- on|off`: kube-router stopped (and its rules removed) or started on every node.
export async function enforcer(state: 'on' | 'off'): Promise<void> {
  await harness('enforcer', state);
}

export async function namespacesOfRun(runId: string): Promise<string[]> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  try {
    const list = await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) });
    return list.items.map((ns) => `${ns.metadata?.name} (${ns.status?.phase})`);
  } finally {
    await session.close();
  }
}
