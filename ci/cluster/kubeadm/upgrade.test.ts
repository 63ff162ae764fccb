import { describe, expect, it } from 'vitest';
import { kubeProxySynced } from './upgrade.ts';

const metrics = (queuedV4: number, syncedV4: number): string =>
  [
    '# HELP kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds [ALPHA] The last time a sync of proxy rules was queued',
    `kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds{ip_family="IPv4"} ${queuedV4}`,
    'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds{ip_family="IPv6"} 1.7966833254e+09',
    `kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"} ${syncedV4}`,
    'kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv6"} 1.7966833256e+09',
    'kubeproxy_sync_proxy_rules_nftables_sync_failures_total{ip_family="IPv4"} 3',
  ].join('\n');

describe("kube-proxy's account of its rules", () => {
  it('is synced when every family synced at or after its last queued change', () => {
    expect(kubeProxySynced(metrics(1.7966834866e9, 1.7966834876e9))).toBe(true);
  });

  it('is behind while a queued change has not synced (a failed sync waits for its retry)', () => {
    expect(kubeProxySynced(metrics(1.7966834866e9, 1.7966834001e9))).toBe(false);
  });

  it('is not synced when the metrics say nothing (kube-proxy not answering)', () => {
    expect(kubeProxySynced('')).toBe(false);
  });
});
