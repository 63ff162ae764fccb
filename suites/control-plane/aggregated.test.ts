import type { V1APIService } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { breaks, judgeApiServices, judgeNodeMetrics } from './aggregated.ts';

const apiService = (name: string, group: string, service: { namespace: string; name: string } | undefined, available?: { status: string; reason?: string; message?: string }): V1APIService => ({
  metadata: { name },
  spec: { group, version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, ...(service === undefined ? {} : { service }) },
  status: { conditions: available === undefined ? [] : [{ type: 'Available', lastTransitionTime: new Date(), ...available }] },
});

describe('aggregated APIs', () => {
  it('names an unavailable aggregated API with its Service, the reason and what it breaks; local and available ones pass', () => {
    const unavailable = judgeApiServices([
      apiService('v1.apps', 'apps', undefined, { status: 'True', reason: 'Local' }),
      apiService('v1beta1.metrics.k8s.io', 'metrics.k8s.io', { namespace: 'kube-system', name: 'metrics-server' }, { status: 'False', reason: 'MissingEndpoints', message: 'endpoints for service/metrics-server in "kube-system" have no addresses' }),
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
      { name: 'v1alpha1.new.example.com', service: 'ext/api', reason: 'no Available condition yet', breaks: expect.stringMatching(/and every client of new\.example\.com$/) },
    ]);
    expect(breaks('external.metrics.k8s.io')).toMatch(/HorizontalPodAutoscalers on external metrics$/);
  });

  it('names the nodes the metrics API has no usage for', () => {
    const metrics = [{ metadata: { name: 'node1' }, usage: { cpu: '120m', memory: '800Mi' } }, { metadata: { name: 'node2' }, usage: { cpu: '80m' } }];
    expect(judgeNodeMetrics(['node1', 'node2', 'node3'], metrics)).toEqual(['node2', 'node3']);
    expect(judgeNodeMetrics(['node1'], metrics)).toEqual([]);
  });
});
