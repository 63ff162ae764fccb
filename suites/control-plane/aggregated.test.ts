import type { V1APIService } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { breaks, judgeApiServices, judgeNodeMetrics, nodeMetricsCheck, type NodeMetrics } from './aggregated.ts';

const apiService = (
  name: string,
  group: string,
  service: { namespace: string; name: string } | undefined,
  available?: { status: string; reason?: string; message?: string },
): V1APIService => ({
  metadata: { name },
  spec: { group, version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, ...(service === undefined ? {} : { service }) },
  status: { conditions: available === undefined ? [] : [{ type: 'Available', lastTransitionTime: new Date(), ...available }] },
});

describe('aggregated APIs', () => {
  it('names an unavailable aggregated API with its Service, the reason and what it breaks; local and available ones pass', () => {
    const unavailable = judgeApiServices([
      apiService('v1.apps', 'apps', undefined, { status: 'True', reason: 'Local' }),
      apiService(
        'v1beta1.metrics.k8s.io',
        'metrics.k8s.io',
        { namespace: 'kube-system', name: 'metrics-server' },
        { status: 'False', reason: 'MissingEndpoints', message: 'endpoints for service/metrics-server in "kube-system" have no addresses' },
      ),
      apiService('v1beta1.custom.metrics.k8s.io', 'custom.metrics.k8s.io', { namespace: 'monitoring', name: 'adapter' }, { status: 'True', reason: 'Passed' }),
      apiService('v1alpha1.new.example.com', 'new.example.com', { namespace: 'ext', name: 'api' }),
    ]);
    expect(unavailable).toEqual([
      {
        name: 'v1beta1.metrics.k8s.io',
        service: 'kube-system/metrics-server',
        reason: 'MissingEndpoints: endpoints for service/metrics-server in "kube-system" have no addresses',
        breaks: expect.stringMatching(/^discovery .*namespace deletion .*garbage collection .*, HorizontalPodAutoscalers on CPU and memory, and kubectl top$/),
      },
      {
        name: 'v1alpha1.new.example.com',
        service: 'ext/api',
        reason: 'no Available condition yet',
        breaks: expect.stringMatching(/and every client of new\.example\.com$/),
      },
    ]);
    expect(breaks('external.metrics.k8s.io')).toMatch(/HorizontalPodAutoscalers on external metrics$/);
  });

  it('names the nodes the metrics API has no usage for', () => {
    const metrics = [
      { metadata: { name: 'node1' }, usage: { cpu: '120m', memory: '800Mi' } },
      { metadata: { name: 'node2' }, usage: { cpu: '80m' } },
    ];
    expect(judgeNodeMetrics(['node1', 'node2', 'node3'], metrics)).toEqual(['node2', 'node3']);
    expect(judgeNodeMetrics(['node1'], metrics)).toEqual([]);
  });
});

describe('the metrics API check', () => {
  afterEach(() => vi.useRealTimers());

  // A check context over readings the test gives: each list of the metrics API answers the next one.
  function context(readings: NodeMetrics[][]) {
    const said: string[] = [];
    const c = {
      signal: new AbortController().signal,
      cluster: async () => ({
        session: {
          clients: {
            apiregistration: { readAPIService: async () => ({ status: { conditions: [{ type: 'Available', status: 'True' }] } }) },
            core: { listNode: async () => ({ items: [{ metadata: { name: 'node1' } }, { metadata: { name: 'node2' } }] }) },
            custom: { listClusterCustomObject: async () => ({ items: readings.shift() ?? [] }) },
          },
        },
      }),
      log: (text: string) => void said.push(`log ${text}`),
      evidence: (label: string) => void said.push(`evidence ${label}`),
      note: (text: string) => void said.push(`note ${text}`),
      fail: (_kind: string, text: string) => {
        throw new Error(text);
      },
    } as unknown as CheckContext;
    return { c, said };
  }
  const usage = (name: string): NodeMetrics => ({ metadata: { name }, usage: { cpu: '1n', memory: '1Ki' } });

  it('reads again until every node is reported, for a kubelet metrics-server has not scraped twice yet', async () => {
    vi.useFakeTimers();
    const { c, said } = context([[usage('node2')], [usage('node2')], [usage('node1'), usage('node2')]]);
    const checked = nodeMetricsCheck(c);
    await vi.advanceTimersByTimeAsync(10_000);
    await checked;
    expect(said).toEqual([
      'log first reading: no usage for node1; read every 5 s for up to 45 s',
      'log every node reported after 10 s',
      'evidence node metrics',
      'note the metrics API reports 2 of 2 node(s)',
    ]);
  });

  it('fails naming the node still missing after the wait', async () => {
    vi.useFakeTimers();
    const { c } = context(Array.from({ length: 20 }, () => [usage('node2')]));
    const checked = nodeMetricsCheck(c);
    const failed = expect(checked).rejects.toThrow('the metrics API reports no usage for 1 of 2 node(s): node1');
    await vi.advanceTimersByTimeAsync(50_000);
    await failed;
  });
});
