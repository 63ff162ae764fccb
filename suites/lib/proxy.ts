// What runs on a node to program Service traffic (kube-proxy or a CNI replacing it), as evidence
// for failures whose origin is that node. Shared by the services and nodeport suites.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { Evidence } from '../../helpers/result.ts';

// Pods that program Service traffic on a node, by the names the common proxies and CNIs use.
export const PROXY_POD = /kube-proxy|cilium|kube-router|antrea-agent|calico-node/;

export function proxyPodsText(node: string, pods: readonly V1Pod[]): string {
  const proxies = pods.filter((pod) => PROXY_POD.test(pod.metadata?.name ?? ''));
  if (proxies.length === 0) return `${node}: no kube-proxy (or proxy-replacing CNI) pod in kube-system; it may run as a host service, or not at all`;
  return proxies
    .map((pod) => {
      const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      const restarts = pod.status?.containerStatuses?.reduce((n, s) => n + s.restartCount, 0) ?? 0;
      return `${node}: ${pod.metadata?.name} ${pod.status?.phase ?? '?'} ${ready ? 'Ready' : 'NOT ready'}, ${restarts} restart(s)`;
    })
    .join('\n');
}

// Evidence for the nodes that failed: what runs there to program Services.
export async function proxyEvidence(core: CoreV1Api, nodes: readonly string[]): Promise<Evidence> {
  const lines = await Promise.all(
    nodes.map((node) =>
      core
        .listNamespacedPod({ namespace: 'kube-system', fieldSelector: `spec.nodeName=${node}` })
        .then((list) => proxyPodsText(node, list.items))
        .catch((error: unknown) => `${node}: cannot list kube-system pods (${(error as Error).message})`),
    ),
  );
  return { label: 'Service proxy on the failing nodes', text: lines.join('\n') };
}
