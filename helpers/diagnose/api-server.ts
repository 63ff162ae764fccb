// When calls to the API server time out or fail with a server error, the API server is asked how
// it is (/readyz?verbose, which answers without etcd): a failing etcd check names etcd, another
// failing check names that check, no answer at all names the API server itself. A refused
// connection is left as it is: that API server is not there at all.
import { ApiException } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { networkCode } from '../kube/api-errors.ts';
import { failedLines, likelyCauseOf, parseHealth } from '../kube/apiserver-health.ts';
import type { ApiRequest, ApiResponse } from '../kube/connection.ts';
import { where, type Diagnosis } from './diagnosis.ts';

const READYZ_TIMEOUT_MS = 5000;
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'TimeoutError', 'AbortError', 'UND_ERR_BODY_TIMEOUT']);

// The failure came from an API server that answered slowly or with a server error.
export function worthAsking(error: ShakedownError): boolean {
  const seen = new Set<unknown>();
  for (let cause: unknown = error; cause !== undefined && cause !== null && !seen.has(cause); cause = (cause as { cause?: unknown }).cause) {
    seen.add(cause);
    if (cause instanceof ApiException && cause.code >= 500) return true;
  }
  const code = networkCode(error.cause);
  return code !== undefined && TIMEOUTS.has(code);
}

export function diagnoseReadyz(response: ApiResponse | undefined): Diagnosis {
  if (response === undefined) {
    return {
      component: 'api-server',
      summary: `the API server accepts connections but did not answer /readyz within ${READYZ_TIMEOUT_MS / 1000} s: it is hung or overloaded`,
      evidence: ['GET /readyz?verbose: no answer in time'],
      confidence: 'medium',
      fatal: true,
      hint: 'Check the kube-apiserver process (its log, CPU and memory) and its load balancer',
      reproduce: 'kubectl get --raw "/readyz?verbose"',
      subjects: [],
    };
  }
  const failing = failedLines(parseHealth('/readyz?verbose', response.status, response.text)).map((line) => line.name);
  const etcd = failing.filter((name) => name.startsWith('etcd'));
  const evidence = [`GET /readyz?verbose: HTTP ${response.status}`, ...response.text.split('\n').filter((line) => line.startsWith('[-]'))];
  if (etcd.length > 0) {
    return {
      component: 'etcd',
      summary: `etcd does not answer the API server: its own health check reports ${etcd.map((name) => `[-]${name}`).join(', ')}, so every read and write that needs storage hangs or fails`,
      evidence,
      confidence: 'high',
      fatal: true,
      hint: 'Check etcd on the control-plane nodes: etcdctl endpoint health, its log, its disk (fsync latency) and whether it lost quorum',
      reproduce: 'kubectl get --raw "/readyz?verbose"',
      subjects: [],
    };
  }
  return {
    component: 'api-server',
    summary:
      failing.length > 0
        ? `the API server reports itself not ready: ${failing.map((name) => `[-]${name}`).join(', ')}: ${likelyCauseOf(failing[0] ?? '')}`
        : `the API server fails requests although /readyz answers HTTP ${response.status}`,
    evidence,
    confidence: failing.length > 0 ? 'high' : 'low',
    fatal: true,
    hint: 'Check the kube-apiserver log for the failing check',
    reproduce: 'kubectl get --raw "/readyz?verbose"',
    subjects: [],
  };
}

export async function explainApiFailure(send: (request: ApiRequest) => Promise<ApiResponse>, error: ShakedownError): Promise<ShakedownError> {
  if (!worthAsking(error)) return error;
  const response = await send({ method: 'GET', path: '/readyz?verbose', timeoutMs: READYZ_TIMEOUT_MS }).catch(() => undefined);
  const diagnosis = diagnoseReadyz(response);
  if (response !== undefined && response.status === 200 && diagnosis.confidence === 'low') return error;
  return new ShakedownError('SD_API_UNHEALTHY', `${where(diagnosis)} is at fault (${diagnosis.confidence} confidence): ${diagnosis.summary}`, {
    cause: error,
    details: [`the failure: ${error.message}`, ...diagnosis.evidence, ...(diagnosis.reproduce === undefined ? [] : [`to see it: ${diagnosis.reproduce}`])].join(
      '\n',
    ),
    ...(diagnosis.hint === undefined ? {} : { hint: diagnosis.hint }),
  });
}
