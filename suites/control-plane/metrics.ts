// What the API server's /metrics says about etcd: the database size it reports
// (apiserver_storage_size_bytes, before 1.28 etcd_db_total_size_in_bytes) and the latency of its
// requests to etcd (etcd_request_duration_seconds: mean, and the p99 bucket over every operation).
import { parseSamples } from '../lib/metrics-text.ts';

export interface EtcdMetrics {
  // Bytes of the etcd database, per storage cluster (usually one).
  storageBytes: number[];
  requests: number;
  meanMs?: number;
  // The upper bound of the bucket holding the 99th percentile of all requests.
  p99Ms?: number;
}

const REQUEST = 'etcd_request_duration_seconds';

export function etcdMetrics(text: string): EtcdMetrics {
  const samples = parseSamples(text, [
    'apiserver_storage_size_bytes',
    'etcd_db_total_size_in_bytes',
    `${REQUEST}_sum`,
    `${REQUEST}_count`,
    `${REQUEST}_bucket`,
  ]);
  const size = samples.filter((s) => s.name === 'apiserver_storage_size_bytes');
  const storageBytes = (size.length > 0 ? size : samples.filter((s) => s.name === 'etcd_db_total_size_in_bytes')).map((s) => s.value);
  const sum = samples.filter((s) => s.name === `${REQUEST}_sum`).reduce((t, s) => t + s.value, 0);
  const requests = samples.filter((s) => s.name === `${REQUEST}_count`).reduce((t, s) => t + s.value, 0);
  const buckets = new Map<number, number>();
  for (const s of samples.filter((x) => x.name === `${REQUEST}_bucket`)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (!Number.isNaN(le)) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  let p99Ms: number | undefined;
  if (requests > 0) {
    const bound = [...buckets.entries()].sort(([a], [b]) => a - b).find(([, count]) => count >= requests * 0.99);
    if (bound !== undefined && Number.isFinite(bound[0])) p99Ms = bound[0] * 1000;
  }
  return { storageBytes, requests, ...(requests > 0 ? { meanMs: (sum / requests) * 1000 } : {}), ...(p99Ms === undefined ? {} : { p99Ms }) };
}

export function etcdMetricsText(m: EtcdMetrics): string {
  const size =
    m.storageBytes.length === 0 ? 'database size not reported' : `database ${m.storageBytes.map((b) => `${(b / 1024 / 1024).toFixed(1)} MiB`).join(', ')}`;
  const latency =
    m.requests === 0
      ? 'no etcd request latency reported'
      : `${m.requests} requests to etcd, mean ${m.meanMs?.toFixed(1)} ms${m.p99Ms === undefined ? '' : `, p99 <= ${m.p99Ms} ms`}`;
  return `${size}; ${latency}`;
}
