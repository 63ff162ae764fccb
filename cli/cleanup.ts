// `shakedown cleanup`: deletes the namespaces crashed runs left behind: those past their expiry,
// so a run in progress on a shared cluster is safe; --all also takes the unexpired ones, --run ID
// one run's. Then the cluster-scoped objects (PersistentVolumes, StorageClasses) of runs with no
// namespace left. Nothing without our label is ever touched.
import { terminalText } from '../helpers/terminal-text.ts';
import type { Source } from '../helpers/config.ts';
import { deletionBlocked } from '../helpers/diagnose/namespace-deletion.ts';
import { apiError } from '../helpers/kube/api-errors.ts';
import { findKubeconfig, noKubeconfig } from '../helpers/kube/kubeconfig.ts';
import { openKubeSession } from '../helpers/kube/session.ts';
import { clusterScopedKinds, removeClusterLeftovers } from '../helpers/run/cluster-leftovers.ts';
import { ownedSelector, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { namespaceApi, removeLeftovers } from '../helpers/run/namespaces.ts';
import type { SettingKey, Settings } from '../helpers/settings.ts';
import { checkCleanupArguments } from './args.ts';
import type { CliIo } from './io.ts';

export const CLEANUP_WAIT_MS = 120_000;
// The cluster's words (namespace conditions, API errors), made safe for a terminal.
const safe = (text: string): string => terminalText(text, { oneLine: true });

export async function cleanupCommand(io: CliIo, settings: Settings, sources: Partial<Record<SettingKey, Source>> = {}): Promise<number> {
  checkCleanupArguments(settings, sources);
  const location = findKubeconfig({ explicit: settings.kubeconfig, env: io.env, home: io.home, inCluster: settings.inCluster });
  if (location === undefined) throw noKubeconfig();
  const session = await openKubeSession(location, { ...(settings.context === undefined ? {} : { context: settings.context }), qps: settings.apiQps });
  try {
    const mode = settings.all || settings.runId !== undefined ? 'all' : 'expired';
    const result = await removeLeftovers(namespaceApi(session.clients), mode, new Date(), {
      timeoutMs: CLEANUP_WAIT_MS,
      giveUp: deletionBlocked(session.clients),
      ...(settings.runId === undefined ? {} : { runId: settings.runId }),
    }).catch((error: unknown) => {
      throw apiError(error, { server: session.server, context: session.target.context, action: 'remove namespaces of earlier runs' });
    });
    // Cluster-scoped objects of runs that have no namespace left (or of the run asked for).
    const live = new Set((await namespaceApi(session.clients).list(ownedSelector())).map((namespace) => namespace.metadata?.labels?.[RUN_ID_LABEL] ?? ''));
    const cluster = await removeClusterLeftovers(clusterScopedKinds(session.clients), live, settings.runId);
    if (result.selected.length === 0 && cluster.removed.length === 0)
      io.stdout.write(`nothing to clean up${result.kept.length > 0 ? ` (${result.kept.length} namespace(s) of ours kept)` : ''}\n`);
    if (cluster.removed.length > 0)
      io.stdout.write(`deleted ${cluster.removed.length} cluster-scoped object(s) of runs that are gone: ${cluster.removed.join(', ')}\n`);
    for (const line of cluster.unreadable) io.stderr.write(`could not look for leftovers of kind ${safe(line)}\n`);
    if (result.removed.length > 0) io.stdout.write(`deleted ${result.removed.length} namespace(s): ${result.removed.join(', ')}\n`);
    for (const kept of result.kept) io.stdout.write(`kept ${kept.name}: ${kept.reason}\n`);
    for (const stuck of result.stuck) io.stderr.write(`still terminating: ${stuck.name}: ${safe(stuck.detail)}\n`);
    if (result.gaveUp !== undefined) io.stderr.write(`stopped waiting: ${safe(result.gaveUp.reason)}; run cleanup again once it is back\n`);
    return result.stuck.length > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}
