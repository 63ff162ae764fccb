import { describe, expect, it } from 'vitest';
import { etcdMetrics, etcdMetricsText } from './metrics.ts';

const text = `# HELP apiserver_storage_size_bytes [STABLE] Size of the storage database file physically allocated in bytes.
# TYPE apiserver_storage_size_bytes gauge
apiserver_storage_size_bytes{storage_cluster_id="etcd-0"} 4.194304e+06
etcd_request_duration_seconds_bucket{group="",operation="get",resource="pods",le="0.005"} 90
etcd_request_duration_seconds_bucket{group="",operation="get",resource="pods",le="0.025"} 99
etcd_request_duration_seconds_bucket{group="",operation="get",resource="pods",le="+Inf"} 100
etcd_request_duration_seconds_sum{group="",operation="get",resource="pods"} 0.3
etcd_request_duration_seconds_count{group="",operation="get",resource="pods"} 100
etcd_request_duration_seconds_bucket{group="",operation="list",resource="nodes",le="0.005"} 0
etcd_request_duration_seconds_bucket{group="",operation="list",resource="nodes",le="0.025"} 100
etcd_request_duration_seconds_bucket{group="",operation="list",resource="nodes",le="+Inf"} 100
etcd_request_duration_seconds_sum{group="",operation="list",resource="nodes"} 1.1
etcd_request_duration_seconds_count{group="",operation="list",resource="nodes"} 100
`;

describe('etcd metrics', () => {
  it('reads the database size and the request latency over every operation', () => {
    const m = etcdMetrics(text);
    expect(m.storageBytes).toEqual([4194304]);
    expect(m.requests).toBe(200);
    expect(m.meanMs).toBeCloseTo(7);
    expect(m.p99Ms).toBe(25);
    expect(etcdMetricsText(m)).toBe('database 4.0 MiB; 200 requests to etcd, mean 7.0 ms, p99 <= 25 ms');
  });

  it('falls back on the older size metric and says what is missing', () => {
    const m = etcdMetrics('etcd_db_total_size_in_bytes{endpoint="https://127.0.0.1:2379"} 1048576\n');
    expect(m.storageBytes).toEqual([1048576]);
    expect(etcdMetricsText(m)).toBe('database 1.0 MiB; no etcd request latency reported');
    expect(etcdMetricsText(etcdMetrics(''))).toBe('database size not reported; no etcd request latency reported');
  });
});
