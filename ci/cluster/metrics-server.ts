// metrics-server in the local cluster (manifests/metrics-server.yaml) and the aggregated API it
// serves, v1beta1.metrics.k8s.io: its serving certificate from the cluster PKI, the cluster CA as
// the APIService's caBundle, and the wait until the API server calls the APIService Available.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from './render.ts';
import { ClusterError } from './errors.ts';
import { kubectl, tryKubectl } from './kube.ts';
import type { CertPaths } from './pki.ts';

export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';

const b64 = (path: string): string => readFileSync(path).toString('base64');

export function metricsServerManifest(serving: CertPaths, image: string): string {
  return render(readFileSync(join(import.meta.dirname, 'manifests', 'metrics-server.yaml'), 'utf8'), {
    IMAGE_METRICS_SERVER: image,
    METRICS_SERVER_CERT: b64(serving.cert),
    METRICS_SERVER_KEY: b64(serving.key),
    METRICS_SERVER_CERT_SHA256: createHash('sha256').update(readFileSync(serving.cert)).digest('hex'),
  });
}

/** The APIService, trusting the cluster CA that signed metrics-server's serving certificate. */
export function metricsApiService(caCert: string): object {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: METRICS_APISERVICE, labels: { 'k8s-app': 'metrics-server' } },
    spec: {
      service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      caBundle: b64(caCert),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

/**
 * Registers the metrics API once metrics-server is Ready (its second scrape) and waits until the
 * API server reaches it through the aggregation layer. Registered earlier, the API would be
 * unavailable for those seconds, discovery of the whole API incomplete (namespace deletion stalls
 * on it), and the aggregator's checks backed off by the time it answers.
 */
export function registerMetricsApi(caCert: string, timeoutMs: number): void {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(metricsApiService(caCert)));
  try {
    kubectl(['wait', '--for=condition=Available', `--timeout=${Math.round(timeoutMs / 1000)}s`, `apiservice/${METRICS_APISERVICE}`]);
  } catch (err) {
    throw new ClusterError('CLUSTER_COMPONENT_FAILED', `the APIService ${METRICS_APISERVICE} did not become Available`, {
      cause: err,
      logTail: `${tryKubectl(['get', 'apiservice', METRICS_APISERVICE, '-o', 'jsonpath={.status.conditions}']) ?? ''}\n${tryKubectl(['-n', 'kube-system', 'logs', '--tail=20', 'deploy/metrics-server']) ?? ''}`,
      hint: 'kubectl -n kube-system logs deploy/metrics-server; the API server log says why it cannot reach the Service',
    });
  }
}
