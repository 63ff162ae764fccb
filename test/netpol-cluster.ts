// Shared by the netpol cluster tests: run the shakedown CLI in a child process, switch the local
// cluster's NetworkPolicy enforcer, and list what a run left behind.
import { openKubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG } from './cli-child.ts';
import { acquireFaultLock, faultLock, harness, releaseFaultLock } from './cluster-kit.ts';

export { KUBECONFIG, type Ran, type ReportResult, readReport, shakedown } from './cli-child.ts';

// Held from `enforcer('off')` to `enforcer('on')`: other tests do not run against a cluster whose
// NetworkPolicy this test switched off, and this one waits until theirs are over.
const LOCK_NAME = 'netpol-enforcer';

// `npm run cluster:enforcer -- off|on [--node NAME]`: kube-router stopped (and its rules removed)
// on every node or on NAME alone, or started again. Off takes the cluster-kit fault lock; on (which
// restores every node without --node) lets it go, also when switching on failed.
export async function enforcer(state: 'on' | 'off', node?: string): Promise<void> {
  const args = ['enforcer', state, ...(node === undefined ? [] : ['--node', node])];
  if (state === 'off') {
    await acquireFaultLock(LOCK_NAME);
    await harness(...args);
    return;
  }
  try {
    await harness(...args);
  } finally {
    releaseFaultLock(faultLock(LOCK_NAME));
  }
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
