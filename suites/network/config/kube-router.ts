// kube-router, as its pod arguments and node annotations say: which of its parts run (router,
// firewall, service proxy), overlay and pod egress masquerading, and the podCIDR each node needs
// when it routes. Run as host processes, it leaves nothing in the API: then the check skips.
import { flagValue, type NetworkFacts } from './facts.ts';
import { fail, type Finding, type Judgement } from './judgement.ts';

export const KUBE_ROUTER_PREFIX = 'kube-router.io/';

export interface KubeRouterSettings {
  router: boolean;
  firewall: boolean;
  proxy: boolean;
  overlay: string | undefined;
  // Pod traffic to outside the cluster is masqueraded (--enable-pod-egress, with the router on).
  podEgress: boolean;
}

const on = (value: string | undefined, fallback: boolean): boolean => (value === undefined ? fallback : value !== 'false');

export function kubeRouterSettings(args: readonly string[]): KubeRouterSettings {
  const router = on(flagValue(args, 'run-router'), true);
  const overlay = on(flagValue(args, 'enable-overlay'), true) ? (flagValue(args, 'overlay-type') ?? 'subnet') : undefined;
  return {
    router,
    firewall: on(flagValue(args, 'run-firewall'), true),
    proxy: on(flagValue(args, 'run-service-proxy'), true),
    overlay: router ? overlay : undefined,
    podEgress: router && on(flagValue(args, 'enable-pod-egress'), true),
  };
}

export function kubeRouterPresent(facts: NetworkFacts): string | undefined {
  if ((facts.workloads['kube-router'] ?? []).length > 0) return undefined;
  if (facts.nodes.some((n) => Object.keys(n.annotations).some((a) => a.startsWith(KUBE_ROUTER_PREFIX)))) return undefined;
  return 'kube-router is not visible: no kube-router DaemonSet or kube-system pod and no kube-router.io/* node annotation (run as host processes, it leaves nothing in the API to read)';
}

export function judgeKubeRouter(facts: NetworkFacts): Judgement {
  const absent = kubeRouterPresent(facts);
  if (absent !== undefined) return { plugin: 'kube-router', absent, seen: [], findings: [] };
  const workloads = facts.workloads['kube-router'] ?? [];
  const findings: Finding[] = [];
  const seen: string[] = [];
  for (const workload of workloads) {
    const s = kubeRouterSettings(workload.args);
    seen.push(
      `${workload.what}: ${[s.router ? 'router' : undefined, s.firewall ? 'firewall' : undefined, s.proxy ? 'service proxy' : undefined].filter(Boolean).join(' + ') || 'nothing enabled'}${s.overlay === undefined ? '' : `, overlay ${s.overlay}`}${s.router ? `, pod egress ${s.podEgress ? 'masqueraded' : 'not masqueraded'}` : ''}`,
    );
    if (s.router) {
      for (const node of facts.nodes) {
        const annotated = node.annotations[`${KUBE_ROUTER_PREFIX}pod-cidr`];
        if (node.podCIDRs.length === 0 && annotated === undefined)
          findings.push(
            fail(
              `node ${node.name} has no podCIDR (nor a ${KUBE_ROUTER_PREFIX}pod-cidr annotation), and kube-router routes pods (${workload.what}): it has no range to route`,
              node.name,
            ),
          );
        if (annotated !== undefined && node.podCIDRs.length > 0 && !node.podCIDRs.includes(annotated))
          findings.push(
            fail(`node ${node.name} annotation ${KUBE_ROUTER_PREFIX}pod-cidr ${annotated} differs from its podCIDR ${node.podCIDRs.join(', ')}`, node.name),
          );
      }
    }
  }
  if (workloads.length === 0)
    seen.push(
      `kube-router.io annotations on ${facts.nodes.filter((n) => Object.keys(n.annotations).some((a) => a.startsWith(KUBE_ROUTER_PREFIX))).length} node(s); its arguments are not visible`,
    );
  return { plugin: 'kube-router', seen, findings };
}

// Whether kube-router masquerades pod egress: undefined when its arguments are not visible.
export function kubeRouterMasquerades(facts: NetworkFacts): boolean | undefined {
  const workloads = facts.workloads['kube-router'] ?? [];
  if (workloads.length === 0) return undefined;
  return workloads.some((w) => kubeRouterSettings(w.args).podEgress);
}
