import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeEnforcer, enforcerOnNode, pluginWorkloads, podState } from './node-enforcer.ts';

const calico = {
  name: 'Calico',
  known: true,
  evidence: ['DaemonSet calico-system/calico-node (image quay.io/calico/node:v3.28.0)', 'API group crd.projectcalico.org'],
};
const hostProcess = { name: 'unknown (no known network plugin DaemonSet, ...; it may run as host processes)', known: false, evidence: ['DaemonSets: none'] };

function pod(name: string, node: string, status: V1Pod['status'], owner = 'calico-node'): V1Pod {
  return {
    metadata: { name, namespace: 'calico-system', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: owner, uid: '1' }] },
    spec: { nodeName: node, containers: [] },
    status,
  };
}

const crashing = pod('calico-node-x7k2p', 'node2', {
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'False' }],
  containerStatuses: [
    {
      name: 'calico-node',
      image: '',
      imageID: '',
      ready: false,
      restartCount: 7,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    },
  ],
});
const healthy = pod('calico-node-q9w4z', 'node2', {
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'calico-node', image: '', imageID: '', ready: true, restartCount: 0, state: { running: {} } }],
});

describe('the enforcer on a node', () => {
  it("is found among the plugin's DaemonSets and static pods, never in the list of unrelated DaemonSets of an unknown plugin", () => {
    expect(pluginWorkloads(calico)).toEqual([{ kind: 'DaemonSet', namespace: 'calico-system', name: 'calico-node' }]);
    expect(pluginWorkloads({ known: true, evidence: ['Pod kube-system/kube-router-node2', 'node annotation kube-router.io/x'] })).toEqual([
      { kind: 'Pod', namespace: 'kube-system', name: 'kube-router-node2' },
    ]);
    expect(pluginWorkloads({ known: false, evidence: ['DaemonSets: kube-system/node-exporter'] })).toEqual([]);
  });

  it("is the DaemonSet's pod on that node, with its state", () => {
    expect(podState(healthy)).toBe('Running, ready, 0 restart(s)');
    expect(describeEnforcer('node2', calico, [healthy])).toMatchObject({
      unready: [],
      summary: 'the enforcer on node2: pod calico-system/calico-node-q9w4z (DaemonSet calico-system/calico-node) Running, ready, 0 restart(s)',
    });
    expect(describeEnforcer('node2', calico, [crashing])).toEqual({
      visible: true,
      unready: [{ kind: 'Pod', namespace: 'calico-system', name: 'calico-node-x7k2p' }],
      summary:
        'the enforcer on node2: pod calico-system/calico-node-x7k2p (DaemonSet calico-system/calico-node) Running, NOT ready (the agent keeps crashing: exit code 1 (Error), 7 restarts), 7 restart(s)',
    });
  });

  it("says when the DaemonSet has no pod on that node, ignoring other DaemonSets' pods", () => {
    expect(describeEnforcer('node2', calico, [pod('other-abc', 'node2', { phase: 'Running' }, 'node-exporter')]).summary).toBe(
      'the enforcer on node2: DaemonSet calico-system/calico-node has no pod on node2',
    );
  });

  it('says that the API does not show it when nothing names it (host processes), and names the node', () => {
    const found = describeEnforcer('node2', hostProcess, []);
    expect(found.visible).toBe(false);
    expect(found.summary).toBe(
      'the enforcer on node2 is not visible in the API (no DaemonSet or pod of a known network plugin): if it runs at all, it runs as a host process on node2: look at it there',
    );
    expect(describeEnforcer('node2', { name: 'Calico', known: true, evidence: ['node annotation projectcalico.org/IPv4Address'] }, []).summary).toBe(
      'the enforcer on node2 is not visible in the API (Calico is named by node annotation projectcalico.org/IPv4Address, but no DaemonSet or pod of it): if it runs at all, it runs as a host process on node2: look at it there',
    );
  });

  it("lists only the pods on that node, in the plugin's namespaces, and says so when it cannot", async () => {
    const asked: unknown[] = [];
    const core = { listNamespacedPod: async (request: unknown) => (asked.push(request), { items: [crashing] }) };
    expect((await enforcerOnNode(core as never, calico, 'node2')).summary).toContain('calico-node-x7k2p');
    expect(asked).toEqual([{ namespace: 'calico-system', fieldSelector: 'spec.nodeName=node2' }]);
    const refused = { listNamespacedPod: async () => Promise.reject(new Error('pods is forbidden')) };
    expect((await enforcerOnNode(refused as never, calico, 'node2')).summary).toBe(
      'the enforcer on node2: DaemonSet calico-system/calico-node, whose pods there could not be listed (pods is forbidden)',
    );
    expect(await enforcerOnNode({ listNamespacedPod: () => Promise.reject(new Error('not asked')) } as never, hostProcess, 'node2')).toMatchObject({
      visible: false,
    });
  });
});
