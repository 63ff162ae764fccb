// API server and etcd checks: the health reports of every instance, the latency of simple calls,
// and etcd as the API server sees it (its health checks, and /metrics where it may be read).
import { Agent, request } from 'undici';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { resolveCredentials } from '../../helpers/kube/connection.ts';
import { apiServerLeases, ageText, type LeaseState } from '../../helpers/kube/leases.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { timedGet } from './api.ts';
import { etcdLines, failedLines, healthEvidence, likelyCauseOf, parseHealth, type HealthReport } from '../../helpers/kube/apiserver-health.ts';
import { etcdMetrics, etcdMetricsText } from './metrics.ts';
import { median, ms } from './timing.ts';

const HEALTH_TIMEOUT_MS = 10_000;
const ENDPOINTS = ['/readyz?verbose', '/livez?verbose'];
// A median above this is reported as a warning: simple calls should take milliseconds.
export const SLOW_MEDIAN_MS = 1000;

// An API server renews its identity Lease every 10 s, though the Lease lasts an hour: three missed
// renewals mean the instance is gone, long before the Lease expires.
export const IDENTITY_RENEW_GRACE_MS = 30_000;

export function identityStale(lease: LeaseState): boolean {
  return lease.ageMs === undefined || lease.ageMs > IDENTITY_RENEW_GRACE_MS;
}

interface Instance {
  // How it is named in the report.
  name: string;
  // Absent: through the kubeconfig's server (the run's own connection).
  url?: string;
}

// The instances behind the kubernetes Service. With one address, or none reachable otherwise, the
// kubeconfig's server is the instance asked.
async function instances(session: KubeSession): Promise<{ instances: Instance[]; addresses: string[] }> {
  const slices = await session.clients.discovery.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' });
  const addresses: string[] = [];
  for (const slice of slices.items) {
    const port = slice.ports?.find((p) => p.name === 'https')?.port ?? slice.ports?.[0]?.port ?? 443;
    for (const endpoint of slice.endpoints ?? []) for (const address of endpoint.addresses) addresses.push(`${address}:${port}`);
  }
  const server = new URL(session.server);
  if (addresses.length <= 1)
    return {
      instances: [{ name: addresses[0] === undefined || addresses[0] === server.host ? server.host : `${addresses[0]} (through ${server.host})` }],
      addresses,
    };
  return {
    instances: addresses.map((address) => ({
      name: address,
      url: `https://${address.includes(':') && address.split(':').length > 2 ? `[${address}]` : address}`,
    })),
    addresses,
  };
}

async function getHealth(session: KubeSession, instance: Instance, path: string, agent: Agent | undefined, signal: AbortSignal): Promise<HealthReport> {
  if (instance.url === undefined || agent === undefined) {
    const response = await timedGet(session, path, HEALTH_TIMEOUT_MS, signal);
    return parseHealth(path, response.status, response.text);
  }
  await session.connection.throttle?.take();
  const response = await request(`${instance.url}${path}`, {
    method: 'GET',
    dispatcher: agent,
    headers: await session.connection.authHeaders(),
    signal: AbortSignal.any([AbortSignal.timeout(HEALTH_TIMEOUT_MS), signal]),
  });
  return parseHealth(path, response.statusCode, await response.body.text());
}

export async function apiServerHealth(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const { instances: list, addresses } = await instances(session);
  const identities = await apiServerLeases(session.clients.coordination);
  c.evidence(
    'instances',
    [
      `kubernetes EndpointSlices: ${addresses.join(', ') || '(none)'}`,
      `identity Leases: ${identities === undefined ? 'could not be read' : identities.map((l) => `${l.name}${identityStale(l) ? ' STALE' : ''}: ${ageText(l)}`).join('; ') || '(none)'}`,
    ].join('\n'),
  );
  // Direct requests to each instance, with the kubeconfig's credentials; the server name stays the kubeconfig's.
  let agent: Agent | undefined;
  if (list.some((i) => i.url !== undefined)) {
    const { headers: _headers, ...tls } = await resolveCredentials(session.kc);
    const host = new URL(session.server).hostname;
    agent = new Agent({ connect: { ...tls, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }), timeout: 5000 } });
  }
  const failing: { instance: string; report: HealthReport }[] = [];
  const unreachable: string[] = [];
  try {
    for (const instance of list) {
      for (const path of ENDPOINTS) {
        let report: HealthReport;
        try {
          report = await getHealth(session, instance, path, agent, c.signal);
        } catch (error) {
          if (instance.url === undefined) throw error;
          unreachable.push(`${instance.name}: ${(error as Error).message}`);
          break;
        }
        c.evidence(`${instance.name} ${path}`, healthEvidence(report));
        if (!report.passed) failing.push({ instance: instance.name, report });
      }
    }
  } finally {
    await agent?.close();
  }
  if (failing.length > 0) {
    const named = failing.map(
      ({ instance, report }) =>
        `${instance} ${report.endpoint.split('?')[0]}: ${
          failedLines(report)
            .map((l) => l.name)
            .join(', ') || `HTTP ${report.httpStatus}`
        }`,
    );
    const first = failing.flatMap(({ report }) => failedLines(report))[0];
    c.fail('http-status', `API server health check failing: ${named.join('; ')}`, {
      likelyCause:
        first === undefined ? 'the API server answers its health endpoints with an error (or a proxy in front of it does)' : likelyCauseOf(first.name),
      origin: {
        dimension: 'component',
        value: 'kube-apiserver',
        summary: `expected every named check ok on every instance, seen: ${named.join('; ')}`,
        confidence: 'high',
      },
    });
  }
  const stale = identities?.filter(identityStale) ?? [];
  if (unreachable.length === list.length && list.length > 1) {
    c.warn(`none of the ${list.length} API server instances could be asked directly from here; only the kubeconfig's server was judged`, {
      evidence: [{ label: 'unreachable', text: unreachable.join('\n') }],
    });
  }
  if (stale.length > 0) {
    c.warn(
      `${stale.length} API server identity Lease(s) are not renewed: an instance stopped, or restarted under a new identity (${stale.map((l) => `${l.holder ?? l.name}, ${ageText(l)}`).join('; ')})`,
      {
        likelyCause:
          'an API server instance was stopped or crashed (it renews its identity Lease every 10 s); the Lease is collected after it expires, an hour later',
      },
    );
  }
  c.note(`${list.length - unreachable.length} instance(s) ready and live${unreachable.length > 0 ? ` (${unreachable.length} not reachable from here)` : ''}`);
}

export async function apiServerLatency(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const calls = [
    { what: 'GET /version', path: '/version' },
    { what: 'list leases in kube-node-lease', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=1' },
  ];
  const lines: string[] = [];
  const medians: { what: string; ms: number }[] = [];
  for (const call of calls) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await timedGet(session, call.path, 10_000, c.signal);
      if (response.status !== 200)
        c.fail('http-status', `${call.what} answered HTTP ${response.status}`, { evidence: [{ label: 'answer', text: response.text.slice(0, 500) }] });
      times.push(response.ms);
    }
    const mid = median(times) ?? 0;
    medians.push({ what: call.what, ms: mid });
    lines.push(`${call.what}: median ${ms(mid)} (${times.map((t) => ms(t)).join(', ')})`);
  }
  c.evidence('latency (client rate-limit wait excluded)', lines.join('\n'));
  const slow = medians.filter((m) => m.ms > SLOW_MEDIAN_MS);
  if (slow.length > 0) {
    c.warn(`the API server is slow: ${slow.map((m) => `${m.what} median ${ms(m.ms)}`).join(', ')} (over ${ms(SLOW_MEDIAN_MS)})`, {
      likelyCause: 'the API server or etcd is overloaded (CPU, slow disk under etcd), or the network to it is slow',
    });
  }
  c.note(medians.map((m) => `${m.what} median ${ms(m.ms)}`).join(', '));
}

export async function etcdCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const response = await timedGet(session, '/readyz?verbose', HEALTH_TIMEOUT_MS, c.signal);
  const report = parseHealth('/readyz?verbose', response.status, response.text);
  const lines = etcdLines(report);
  c.evidence(
    'etcd checks of /readyz',
    lines.map((l) => `[${l.status === 'ok' ? '+' : '-'}]${l.name} ${l.status}${l.reason === undefined ? '' : `: ${l.reason}`}`).join('\n') || '(none)',
  );
  const metrics = await timedGet(session, '/metrics', 20_000, c.signal);
  let facts: string;
  if (metrics.status === 200) facts = etcdMetricsText(etcdMetrics(metrics.text));
  else if (metrics.status === 403) facts = 'GET /metrics is not allowed for this user (optional): no database size or request latency';
  else facts = `GET /metrics answered HTTP ${metrics.status}: no database size or request latency`;
  c.evidence('etcd from /metrics', facts);
  const failed = lines.filter((l) => l.status === 'failed');
  if (failed.length > 0) {
    c.fail('http-status', `the API server's etcd checks fail: ${failed.map((l) => l.name).join(', ')}`, {
      likelyCause: likelyCauseOf(failed[0]?.name ?? 'etcd'),
      origin: {
        dimension: 'component',
        value: 'etcd',
        summary: `expected [+]etcd and [+]etcd-readiness, seen ${failed.map((l) => `[-]${l.name}`).join(', ')}`,
        confidence: 'high',
      },
    });
  }
  if (lines.length === 0)
    c.warn('the API server reports no etcd check in /readyz: its storage is not etcd, or it hides the check', {
      evidence: [{ label: '/readyz', text: healthEvidence(report) }],
    });
  c.note(`${lines.map((l) => `${l.name} ok`).join(', ')}; ${facts}`);
}
