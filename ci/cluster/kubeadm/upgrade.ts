// `npm run cluster:upgrade -- --to 1.35.4`: the upstream kubeadm upgrade of the kubeadm profile, in
// its documented order: the new images on every node (a registry would serve them), kubeadm itself
// upgraded first, `kubeadm upgrade plan`, `kubeadm upgrade apply` on the control-plane node,
// `kubeadm upgrade node` on the others, then node by node: drain, the kubelet upgraded and restarted,
// Ready at the new version, uncordon. Each step is printed with its time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll } from '../build.ts';
import { ClusterError } from '../errors.ts';
import { imageArchive } from '../images.ts';
import { kubectl, nodeReady, tryKubectl } from '../kube.ts';
import { logDir, runningNodes, type NodeLayout } from '../layout.ts';
import { log } from '../log.ts';
import { importImages } from '../node.ts';
import { tryRun } from '../sh.ts';
import { currentClusterProfile } from '../profile.ts';
import { waitForAddons } from '../up.ts';
import { versions } from '../versions.ts';
import { ignorePreflightFlag } from './config.ts';
import { kubeadmImages } from './images.ts';
import { approveKubeletServing } from './up.ts';
import { install, kubeadm, kubeadmVersion, restartKubelet } from './node.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitKubelet(node: NodeLayout, release: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const version = (): string => tryKubectl(['get', 'node', node.name, '-o', 'jsonpath={.status.nodeInfo.kubeletVersion}'])?.trim() ?? '';
  while (!(nodeReady(node.name) && version() === `v${release}`)) {
    if (Date.now() > deadline)
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${node.name}'s kubelet is not Ready at v${release} (it reports ${version() || 'nothing'})`, {
        logTail: tryKubectl(['describe', 'node', node.name]) ?? '',
        hint: 'npm run cluster:logs; the kubelet log says why it did not start with the upgraded configuration',
      });
    await sleep(1000);
  }
}

/**
 * A kubelet of the next release restarts the node's static pods (their hashes change), so the API
 * server goes away once more after the node is Ready: the next step waits until every control-plane
 * pod of the node is Ready and has stayed so for a few seconds.
 */
async function waitControlPlaneSettled(node: NodeLayout, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let steady = 0;
  const notReady = (): string[] | null => {
    const out = tryKubectl([
      '-n',
      'kube-system',
      'get',
      'pods',
      '-l',
      'tier=control-plane',
      '--field-selector',
      `spec.nodeName=${node.name}`,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    if (out === null) return null;
    return out.split('\n').filter((l) => l !== '' && !l.endsWith(' True'));
  };
  while (steady < 5) {
    const waiting = notReady();
    steady = waiting !== null && waiting.length === 0 && tryKubectl(['get', '--raw', '/readyz']) === 'ok' ? steady + 1 : 0;
    if (Date.now() > deadline)
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${node.name}'s control plane did not settle after its kubelet was upgraded`, {
        logTail: waiting === null ? 'the API server does not answer' : waiting.join('\n'),
        hint: 'npm run cluster:logs; the static pods restart with the new kubelet',
      });
    await sleep(1000);
  }
}

/** kube-proxy's own account of its rules: per IP family, the last change queued and the last successful sync. */
export function kubeProxySynced(metrics: string): boolean {
  const read = (name: string): Map<string, number> =>
    new Map([...metrics.matchAll(new RegExp(`^${name}\\{ip_family="(\\w+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1] ?? '', Number(m[2])] as const));
  const queued = read('kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds');
  const synced = read('kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  return queued.size > 0 && [...queued].every(([family, at]) => (synced.get(family) ?? 0) >= at);
}

/**
 * The new kube-proxy pods start while the old ones still write the same rules (seen in nftables
 * mode: its first syncs fail on elements the old one removed, and it retries 30 s later, leaving
 * Services on that node half-programmed). The upgrade is over once every node's kube-proxy has
 * synced everything it was asked to, read from its metrics on the node, for a few seconds running.
 */
async function waitKubeProxySynced(nodes: NodeLayout[], timeoutMs: number): Promise<void> {
  kubectl(['-n', 'kube-system', 'rollout', 'status', 'daemonset/kube-proxy', `--timeout=${Math.round(timeoutMs / 1000)}s`]);
  const deadline = Date.now() + timeoutMs;
  let steady = 0;
  let behind: string[] = [];
  while (steady < 3) {
    behind = nodes
      .filter((n) => !kubeProxySynced(tryRun('busybox', ['wget', '-q', '-O-', 'http://127.0.0.1:10249/metrics'], { netns: n.netnsPath }) ?? ''))
      .map((n) => n.name);
    steady = behind.length === 0 ? steady + 1 : 0;
    if (Date.now() > deadline)
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `kube-proxy on ${behind.join(', ')} has not synced its rules`, {
        hint: "kubectl -n kube-system logs on the node's kube-proxy pod says which sync failed",
      });
    await sleep(1000);
  }
}

/** Runs one step, printing what it does and how long it took. */
async function timed<T>(what: string, step: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  log.step(what);
  const result = await step();
  log.done(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export async function upgrade(release: string): Promise<void> {
  const started = Date.now();
  if (currentClusterProfile() !== 'kubeadm')
    throw new Error('cluster:upgrade upgrades a cluster of the kubeadm profile (npm run cluster:up -- --profile kubeadm)');
  if (release !== versions.kubernetesUpgrade)
    throw new Error(`the local cluster builds ${versions.kubernetesUpgrade} to upgrade to (ci/cluster/versions.ts), not ${release}`);
  const nodes = runningNodes();
  const [first, ...rest] = nodes;
  if (first === undefined) throw new ClusterError('CLUSTER_NOT_RUNNING', 'no node of the local cluster is running');

  await timed(`building Kubernetes ${release} (cached after the first time)`, () => buildAll({ kubeadm: true, upgrade: true }));
  const archives = await timed(`making the images kubeadm ${release} asks for`, () => kubeadmImages(release).map(imageArchive));
  await timed('loading them on every node', () => Promise.all(nodes.map((n) => importImages(n, archives))));

  await timed(`${first.name}: kubeadm ${release} installed (kubeadm first, as upstream says)`, () => install(first, release, ['kubeadm']));
  log.step(`kubeadm version on ${first.name}: ${kubeadmVersion(first)}`);
  await timed(`${first.name}: kubeadm upgrade plan v${release}`, () => kubeadm(first, ['upgrade', 'plan', `v${release}`], 'upgrade-plan'));
  process.stdout.write(readFileSync(join(logDir, `kubeadm-${first.name}-upgrade-plan.log`), 'utf8').replace(/^/gm, '    '));
  await timed(`${first.name}: kubeadm upgrade apply v${release}`, () =>
    kubeadm(first, ['upgrade', 'apply', `v${release}`, '--yes', ignorePreflightFlag, '-v=1'], 'upgrade-apply'),
  );
  for (const node of rest) {
    await timed(`${node.name}: kubeadm ${release} installed, kubeadm upgrade node`, async () => {
      install(node, release, ['kubeadm']);
      await kubeadm(node, ['upgrade', 'node', ignorePreflightFlag, '-v=1'], 'upgrade-node');
    });
  }
  for (const node of nodes) {
    await timed(`${node.name}: drain`, () =>
      kubectl(['drain', node.name, '--ignore-daemonsets', '--delete-emptydir-data', '--grace-period=10', '--timeout=180s']),
    );
    await timed(`${node.name}: kubelet ${release} installed and restarted, Ready`, async () => {
      install(node, release, ['kubelet']);
      await restartKubelet(node, false);
      await waitKubelet(node, release, 120_000);
      if (node === first) await waitControlPlaneSettled(node, 180_000);
      await approveKubeletServing([node], 60_000);
    });
    await timed(`${node.name}: uncordon`, () => kubectl(['uncordon', node.name]));
  }
  await timed('every add-on pod Running and Ready again', () => waitForAddons(180_000));
  await timed("every node's kube-proxy synced", () => waitKubeProxySynced(nodes, 120_000));
  log.done(`cluster upgraded to ${release} in ${Math.round((Date.now() - started) / 1000)} s`);
}
