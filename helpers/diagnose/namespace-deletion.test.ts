import type { V1APIService, V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeApiService, discoveryHold, failingGroupVersions } from './namespace-deletion.ts';

const MESSAGE =
  'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale GroupVersion discovery: metrics.k8s.io/v1beta1';

const namespace = (name: string, conditions: { type: string; status: string; message?: string }[]): V1Namespace => ({
  metadata: { name },
  status: { phase: 'Terminating', conditions },
});
const metrics: V1APIService = {
  metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    groupPriorityMinimum: 100,
    versionPriority: 100,
    service: { namespace: 'kube-system', name: 'metrics-server' },
  },
  status: {
    conditions: [
      {
        type: 'Available',
        status: 'False',
        reason: 'MissingEndpoints',
        message: 'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"',
        lastTransitionTime: new Date(),
      },
    ],
  },
};

describe('a namespace deletion held by an unavailable aggregated API', () => {
  it('reads the failing group versions from the condition message, each once', () => {
    expect(failingGroupVersions(MESSAGE)).toEqual(['metrics.k8s.io/v1beta1']);
    expect(failingGroupVersions('nothing here')).toEqual([]);
  });

  it('names the namespace, the APIService, its Service and why it is not Available, and that waiting cannot help', async () => {
    const asked: string[] = [];
    const hold = discoveryHold({ readAPIService: async ({ name }) => (asked.push(name), metrics) });
    const reason = await hold([namespace('sd-run', [{ type: 'NamespaceDeletionDiscoveryFailure', status: 'True', message: MESSAGE }])]);
    expect(asked).toEqual(['v1beta1.metrics.k8s.io']);
    expect(reason?.component).toBe('APIService v1beta1.metrics.k8s.io');
    expect(reason?.reason).toBe(
      'the namespace controller cannot finish deleting sd-run: it must list every API group to empty a namespace, and APIService v1beta1.metrics.k8s.io (Service kube-system/metrics-server) is Available=False (MissingEndpoints: endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"); the deletion completes by itself once that APIService is Available again (or deleted): kubectl get apiservice v1beta1.metrics.k8s.io',
    );
  });

  it('says nothing while no namespace carries the condition', async () => {
    const hold = discoveryHold({ readAPIService: async () => metrics });
    expect(
      await hold([
        namespace('sd-run', [
          { type: 'NamespaceDeletionDiscoveryFailure', status: 'False' },
          { type: 'NamespaceContentRemaining', status: 'True' },
        ]),
      ]),
    ).toBeUndefined();
    expect(await hold([])).toBeUndefined();
  });

  it('still names the group when the APIService cannot be read', async () => {
    const hold = discoveryHold({ readAPIService: async () => Promise.reject(new Error('forbidden')) });
    expect((await hold([namespace('sd-run', [{ type: 'NamespaceDeletionDiscoveryFailure', status: 'True', message: MESSAGE }])]))?.reason).toMatch(
      /and APIService v1beta1\.metrics\.k8s\.io \(could not be read\);/,
    );
    expect(describeApiService({ ...metrics, spec: { ...metrics.spec, service: undefined } as V1APIService['spec'] }, 'v1.apps')).toMatch(
      /served by the API server itself/,
    );
  });
});
