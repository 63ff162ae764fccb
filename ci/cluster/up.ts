// Brings the local cluster up from nothing: removes any half-dead previous cluster, builds what is
// missing, then network, PKI, node runtimes, control plane, add-ons, and waits for every pod.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyAddons, addonNamespaces, notReadyPods } from './addons.ts';
import { buildAll } from './build.ts';
import { startApiServer, startControllerManager, startEtcd, startScheduler } from './controlplane.ts';
import { startDaemon, waitFor } from './daemons.ts';
import { ensurePackages, requireGo, requireRoot } from './deps.ts';
import { down } from './down.ts';
import { ClusterError } from './errors.ts';
import { clusterImages, imageArchive } from './images.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { apiServerUrl, controlPlane, kubeconfigPath, net, type NodeLayout, nodeLayout, pkiDir, runDir, stateDir } from './layout.ts';
import { log } from './log.ts';
import { setupHostNetwork, setupNodeNetwork, setupUpstreamNetwork } from './network.ts';
import { importImage, setupMountNamespace, startContainerd, startKubelet, startKubeProxy, startKubeRouter } from './node.ts';
import { clusterPki, kubeconfig, type Pki, writeKubeconfig } from './pki.ts';
import { run, tryRun } from './sh.ts';

export interface UpOptions {
  nodes: number;
  /** Validity of leaf certificates in days: small values make a cluster with certificates about to expire. */
  certDays: number;
}

export const storageDir = (n: NodeLayout): string => join(n.dir, 'storage');

function writeComponentKubeconfigs(pki: Pki): void {
  writeKubeconfig(kubeconfigPath, kubeconfig(apiServerUrl, pki.ca.cert, pki.admin, 'shakedown-admin'));
  const components = { 'controller-manager': pki.controllerManager, scheduler: pki.scheduler, 'kube-proxy': pki.kubeProxy, 'kube-router': pki.kubeRouter };
  for (const [name, cert] of Object.entries(components)) writeKubeconfig(join(pkiDir, `${name}.kubeconfig`), kubeconfig(apiServerUrl, pki.ca.cert, cert, name));
}

async function startUpstreamDns(): Promise<void> {
  const d = {
    name: 'upstream-dns',
    cmd: process.execPath,
    args: [join(import.meta.dirname, 'upstream-dns.ts'), net.upstreamIp, '53'],
    netns: `/run/netns/${net.upstreamNetns}`,
    hint: 'the stub upstream DNS server is ci/cluster/upstream-dns.ts',
  };
  const pid = startDaemon(d);
  await waitFor(d, pid, () => (tryRun('ss', ['-lnu'], { netns: d.netns }) ?? '').includes(`${net.upstreamIp}:53`), 15_000);
}

async function waitForAddons(timeoutMs: number): Promise<void> {
  for (const ns of addonNamespaces) {
    try {
      kubectl(['-n', ns, 'rollout', 'status', 'deployment', '--timeout', `${Math.round(timeoutMs / 1000)}s`]);
    } catch (err) {
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `deployments in ${ns} did not become available`, {
        cause: err,
        logTail: `${notReadyPods().join('\n')}\n\n${(tryKubectl(['-n', ns, 'get', 'events', '--sort-by=.lastTimestamp']) ?? '').split('\n').slice(-15).join('\n')}`,
        hint: `kubectl --kubeconfig ${kubeconfigPath} -n ${ns} describe pods`,
      });
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (notReadyPods().length > 0) {
    if (Date.now() > deadline) {
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', 'add-on pods are not all Running and Ready', { logTail: notReadyPods().join('\n') });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function up(o: UpOptions): Promise<void> {
  const started = Date.now();
  requireRoot();
  ensurePackages();
  requireGo();
  const leftovers = await down();
  if (leftovers.length) throw new ClusterError('CLUSTER_LEFTOVERS', `a previous cluster could not be removed: ${leftovers.join(', ')}`);
  await buildAll();
  log.step('making images');
  const archives = clusterImages().map(imageArchive);
  const nodes = Array.from({ length: o.nodes }, (_, i) => nodeLayout(i + 1));

  for (const dir of [stateDir, runDir, pkiDir]) mkdirSync(dir, { recursive: true });
  // The runtime dir is a private mount so per-node mount namespaces can be pinned inside it.
  run('mount', ['--bind', runDir, runDir]);
  run('mount', ['--make-private', runDir]);
  writeFileSync(join(stateDir, 'resolv.conf'), `nameserver ${net.upstreamIp}\n`);

  log.step(`making the PKI (leaf certificates valid ${o.certDays} days)`);
  const pki = clusterPki({ certDays: o.certDays }, [controlPlane.ip], controlPlane.name);
  writeComponentKubeconfigs(pki);

  log.step('network: bridge, node namespaces, stub upstream DNS');
  setupHostNetwork();
  setupUpstreamNetwork(nodes);
  await startUpstreamDns();
  for (const node of nodes) {
    mkdirSync(node.dir, { recursive: true });
    mkdirSync(storageDir(node), { recursive: true });
    setupNodeNetwork(node, nodes);
    setupMountNamespace(node);
    await startContainerd(node);
    for (const archive of archives) importImage(node, archive);
  }
  log.done(`${nodes.length} node runtime(s) up, ${archives.length} images imported`);

  log.step('control plane');
  await startEtcd();
  await startApiServer(pki);
  await startControllerManager(pki);
  await startScheduler();
  log.done('control plane ready');

  applyAddons(nodes, storageDir);
  for (const node of nodes) {
    log.step(`${node.name}: kubelet, kube-proxy, kube-router`);
    await startKubelet(node, pki, o.certDays);
    await startKubeProxy(node, join(pkiDir, 'kube-proxy.kubeconfig'));
    await startKubeRouter(node, join(pkiDir, 'kube-router.kubeconfig'));
  }
  log.step('waiting for add-ons');
  await waitForAddons(180_000);
  log.done(`cluster up in ${Math.round((Date.now() - started) / 1000)} s; kubeconfig: ${kubeconfigPath}`);
}
