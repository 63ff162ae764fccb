// cert-manager in the local cluster: its CRDs (kept from its module by the build), its objects
// (manifests/cert-manager.yaml, one image for its three components), and the cluster's issuers
// (manifests/cert-manager-issuers.yaml), applied once its webhook admits them and waited for.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentModuleFile } from './build.ts';
import { ClusterError } from './errors.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** The ClusterIssuers every local cluster has: a self-signed one, and a CA one that signs with the CA it issued. */
export const clusterIssuers = { selfSigned: 'shakedown-selfsigned', ca: 'shakedown-ca' } as const;

/** The CRDs exactly as cert-manager's module has them (deploy/crds), as one stream for kubectl apply. */
export function certManagerCrds(dir = componentModuleFile('cert-manager', 'crds')): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').replace(/^---\n/, ''))
    .join('\n---\n');
}

export function issuersManifest(): string {
  return readFileSync(join(import.meta.dirname, 'manifests', 'cert-manager-issuers.yaml'), 'utf8');
}

/**
 * Applies the issuers, retrying while cert-manager's webhook cannot admit them yet (its serving CA
 * is injected into the webhook configurations a moment after it starts), then waits until both
 * ClusterIssuers are Ready: the CA one only is once the self-signed one issued its CA.
 */
export async function applyIssuers(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let lastError = ''; ;) {
    try {
      kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], issuersManifest());
      break;
    } catch (err) {
      lastError = err instanceof ClusterError ? (err.logTail ?? err.message) : String(err);
      if (Date.now() > deadline) {
        throw new ClusterError('CLUSTER_COMPONENT_FAILED', "cert-manager's webhook did not admit the cluster's issuers", {
          logTail: lastError,
          hint: `kubectl -n ${CERT_MANAGER_NAMESPACE} logs deploy/cert-manager-webhook; kubectl -n ${CERT_MANAGER_NAMESPACE} logs deploy/cert-manager-cainjector`,
        });
      }
      await sleep(500);
    }
  }
  const left = Math.max(1, Math.round((deadline - Date.now()) / 1000));
  try {
    kubectl(['wait', '--for=condition=Ready', `--timeout=${left}s`, ...Object.values(clusterIssuers).map((n) => `clusterissuer/${n}`)]);
  } catch (err) {
    throw new ClusterError('CLUSTER_COMPONENT_FAILED', "the cluster's ClusterIssuers did not become Ready", {
      cause: err,
      logTail: tryKubectl(['get', 'clusterissuers,certificates,certificaterequests', '-A']) ?? '',
      hint: `kubectl -n ${CERT_MANAGER_NAMESPACE} logs deploy/cert-manager`,
    });
  }
}
