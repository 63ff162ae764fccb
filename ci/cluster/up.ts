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
import { applyFlannel, cniBinDir, flannel, flannelImage, prepareFlannelNode, waitForFlannel } from './flannel.ts';
import { clusterImages, imageArchive } from './images.ts';
import { applyIssuers, CERT_MANAGER_NAMESPACE } from './issuers.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { apiServerUrl, controlPlane, kubeconfigPath, net, type NodeLayout, nodeLayout, pkiDir, runDir, stateDir } from './layout.ts';
import { log } from './log.ts';
import { registerMetricsApi } from './metrics-server.ts';
import { setupHostNetwork, setupNodeNetwork, setupUpstreamNetwork } from './network.ts';
import { importImages, setupMountNamespace, startContainerd, startKubelet, startKubeProxy, startKubeRouter } from './node.ts';
import { clusterPki, kubeconfig, type Pki, writeKubeconfig } from './pki.ts';
import { type ClusterProfile, type CniProfile, saveClusterProfile, saveProfile } from './profile.ts';
import type { KubeProxyMode } from './kubeadm/config.ts';
import { kubeadmImages, kubeadmPauseRef } from './kubeadm/images.ts';
import { kubeadmBinds } from './kubeadm/node.ts';
import { kubeadmUp } from './kubeadm/up.ts';
import { versions } from './versions.ts';
import { run, tryRun } from './sh.ts';

export interface UpOptions {
  nodes: number;
  /** Validity of leaf certificates in days: small values make a cluster with certificates about to expire. */
  certDays: number;
  /** The pod network: the default bridge + static routes + kube-router, or flannel (VXLAN, no NetworkPolicy). */
  cni?: CniProfile;
  /** kubeadm: the control plane, kube-proxy and CoreDNS as kubeadm makes them (kubeadm/up.ts). */
  profile?: ClusterProfile;
  /** The kubeadm profile's kube-proxy mode. */
  kubeProxyMode?: KubeProxyMode;
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

/**
 * `alsoReady`: namespaces without Deployments whose pods must be Ready too (kube-flannel);
 * `only`: the add-on namespaces to wait for (every one by default).
 */
export async function waitForAddons(timeoutMs: number, alsoReady: string[] = [], only: readonly string[] = addonNamespaces): Promise<void> {
  const namespaces = [...only, ...alsoReady];
  for (const ns of only) {
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
  while (notReadyPods(namespaces).length > 0) {
    if (Date.now() > deadline) {
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', 'add-on pods are not all Running and Ready', { logTail: notReadyPods(namespaces).join('\n') });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function up(o: UpOptions): Promise<void> {
  const started = Date.now();
  const isFlannel = o.cni === 'flannel';
  const isKubeadm = o.profile === 'kubeadm';
  if (isFlannel && isKubeadm) throw new Error('the kubeadm profile runs the default pod network; --cni flannel is not combined with it yet');
  requireRoot();
  ensurePackages();
  requireGo();
  const leftovers = await down();
  if (leftovers.length) throw new ClusterError('CLUSTER_LEFTOVERS', `a previous cluster could not be removed: ${leftovers.join(', ')}`);
  await buildAll({ flannel: isFlannel, kubeadm: isKubeadm });
  log.step('making images');
  const flannelSpec = isFlannel ? flannelImage() : undefined;
  const archives = [...clusterImages(), ...(flannelSpec ? [flannelSpec] : []), ...(isKubeadm ? kubeadmImages(versions.kubernetes) : [])].map(imageArchive);
  const nodes = Array.from({ length: o.nodes }, (_, i) => nodeLayout(i + 1));

  for (const dir of [stateDir, runDir, pkiDir]) mkdirSync(dir, { recursive: true });
  if (isFlannel) saveProfile('flannel');
  if (isKubeadm) saveClusterProfile('kubeadm');
  // The runtime dir is a private mount so per-node mount namespaces can be pinned inside it.
  run('mount', ['--bind', runDir, runDir]);
  run('mount', ['--make-private', runDir]);
  writeFileSync(join(stateDir, 'resolv.conf'), `nameserver ${net.upstreamIp}\n`);

  // kubeadm makes its own PKI.
  const pki = isKubeadm ? undefined : clusterPki({ certDays: o.certDays }, [controlPlane.ip], controlPlane.name);
  if (pki) {
    log.step(`made the PKI (leaf certificates valid ${o.certDays} days)`);
    writeComponentKubeconfigs(pki);
  }

  log.step(`network: bridge, node namespaces, stub upstream DNS${isFlannel ? ' (flannel profile: no static routes between nodes)' : ''}`);
  setupHostNetwork();
  setupUpstreamNetwork(nodes);
  await startUpstreamDns();
  // Each node imports every image once its containerd is up, while the next node is set up.
  const imports: Promise<void>[] = [];
  for (const node of nodes) {
    mkdirSync(node.dir, { recursive: true });
    mkdirSync(storageDir(node), { recursive: true });
    // In the flannel profile pod traffic between nodes goes through flannel.1, never a static route.
    setupNodeNetwork(node, isFlannel ? [] : nodes);
    if (isFlannel) {
      setupMountNamespace(node, [flannel.runDir]);
      prepareFlannelNode(node);
      await startContainerd(node, { binDir: cniBinDir(node), writeConf: false });
    } else if (isKubeadm) {
      setupMountNamespace(node, [], kubeadmBinds(node));
      await startContainerd(node, undefined, kubeadmPauseRef);
    } else {
      setupMountNamespace(node);
      await startContainerd(node);
    }
    const imported = importImages(node, archives);
    imported.catch(() => {}); // awaited below; a failure before then is not an unhandled rejection
    imports.push(imported);
  }
  await Promise.all(imports);
  log.done(`${nodes.length} node runtime(s) up, ${archives.length} images imported`);

  let caCert: string;
  if (pki) {
    log.step('control plane');
    await startEtcd();
    await startApiServer(pki);
    await startControllerManager(pki);
    await startScheduler();
    log.done('control plane ready');

    applyAddons(nodes, storageDir, pki);
    // flanneld must be scheduled as each kubelet registers: a node is Ready only once the
    // DaemonSet's init containers installed the CNI configuration.
    if (flannelSpec) applyFlannel(flannelSpec.ref);
    for (const node of nodes) {
      log.step(`${node.name}: kubelet, kube-proxy${isFlannel ? ' (flannel from its DaemonSet; no NetworkPolicy enforcer)' : ', kube-router'}`);
      await startKubelet(node, pki, o.certDays);
      await startKubeProxy(node, join(pkiDir, 'kube-proxy.kubeconfig'));
      if (!isFlannel) await startKubeRouter(node, join(pkiDir, 'kube-router.kubeconfig'));
    }
    caCert = pki.ca.cert;
  } else {
    const k = await kubeadmUp(nodes, { certDays: o.certDays, kubeProxyMode: o.kubeProxyMode ?? 'iptables' });
    // kubeadm installed CoreDNS; the other add-ons are the default profile's.
    applyAddons(nodes, storageDir, k, { coredns: false });
    for (const node of nodes) {
      log.step(`${node.name}: kube-router`);
      await startKubeRouter(node, k.kubeRouterKubeconfig);
    }
    caCert = k.ca.cert;
  }
  if (isFlannel) {
    log.step('waiting for flannel: a lease, flannel.1 and the subnet file on every node');
    await waitForFlannel(nodes, 120_000);
  }
  // cert-manager's issuers are made while metrics-server waits for its second scrape to be Ready.
  log.step('waiting for cert-manager, then its ClusterIssuers');
  await waitForAddons(180_000, [], [CERT_MANAGER_NAMESPACE]);
  await applyIssuers(90_000);
  log.step('waiting for add-ons, then the metrics API');
  await waitForAddons(180_000, isFlannel ? [flannel.namespace] : []);
  registerMetricsApi(caCert, 60_000);
  log.done(
    `cluster up${isFlannel ? ' (flannel profile)' : ''}${isKubeadm ? ' (kubeadm profile)' : ''} in ${Math.round((Date.now() - started) / 1000)} s; kubeconfig: ${kubeconfigPath}`,
  );
}
