// Cluster add-ons applied once the API server is up: RBAC, CoreDNS, storage, Gateway API CRDs
// (from the gateway-api Go module Traefik is built against), Traefik, cert-manager (its CRDs from
// its module; issuers.ts), metrics-server behind the metrics API (metrics-server.ts), and an
// admission webhook of our own (webhook/) for the certificates suite.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageRef } from './images.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { certManagerCrds } from './issuers.ts';
import { controlPlane, net, type NodeLayout } from './layout.ts';
import { metricsServerManifest } from './metrics-server.ts';
import type { Pki } from './pki.ts';
import { run } from './sh.ts';
import { render } from './render.ts';
import { versions } from './versions.ts';
import { applyWebhook } from './webhook/webhook.ts';

function manifest(name: string, vars: Record<string, string>): string {
  return render(readFileSync(join(import.meta.dirname, 'manifests', `${name}.yaml`), 'utf8'), vars);
}

function gatewayApiCrds(): string {
  const dl = JSON.parse(
    run('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@v${versions.gatewayApi}`], {
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    }),
  ) as { Dir: string };
  const dir = join(dl.Dir, 'config', 'crd', 'standard');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !f.includes('vap_'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n---\n');
}

/** `coredns: false` leaves CoreDNS to kubeadm, which installs its own. */
export function applyAddons(
  nodes: NodeLayout[],
  storageDir: (n: NodeLayout) => string,
  pki: Pick<Pki, 'metricsServer'>,
  o: { coredns: boolean } = { coredns: true },
): void {
  const vars = {
    CLUSTER_DOMAIN: net.clusterDomain,
    DNS_SERVICE_IP: net.dnsServiceIp,
    IMAGE_COREDNS: imageRef('coredns'),
    IMAGE_BUSYBOX: imageRef('busybox'),
    IMAGE_LOCAL_PATH: imageRef('local-path-provisioner'),
    IMAGE_TRAEFIK: imageRef('traefik'),
    IMAGE_CERT_MANAGER: imageRef('cert-manager'),
    INGRESS_NODE: controlPlane.name,
    NODE_PATH_MAP: JSON.stringify({ nodePathMap: nodes.map((n) => ({ node: n.name, paths: [storageDir(n)] })) }),
  };
  const apply = (yaml: string): string => kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);
  apply(manifest('rbac', vars));
  if (o.coredns) apply(manifest('coredns', vars));
  apply(manifest('local-path', vars));
  // One kubectl per stage: each call costs the client's start and a round of discovery.
  apply([gatewayApiCrds(), certManagerCrds()].join('\n---\n'));
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  apply([manifest('traefik', vars), manifest('cert-manager', vars), metricsServerManifest(pki.metricsServer, imageRef('metrics-server'))].join('\n---\n'));
  applyWebhook();
}

/** Namespaces whose pods must all be Running and Ready before the cluster counts as up. */
export const addonNamespaces = ['kube-system', 'local-path-storage', 'traefik', 'cert-manager', 'shakedown-webhook'];

export function notReadyPods(namespaces: readonly string[] = addonNamespaces): string[] {
  const out =
    tryKubectl([
      'get',
      'pods',
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.status.phase} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]) ?? '';
  return out
    .split('\n')
    .filter(Boolean)
    .filter((l) => namespaces.includes(l.split('/')[0] ?? ''))
    .filter((l) => !/ Running True$/.test(l));
}
