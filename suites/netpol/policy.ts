// NetworkPolicy drafts, written with the model's logical names ("x", pod "a"), turned into real
// objects for one run. Safety by construction: a policy lives in one of the run's namespaces, and
// every namespace selector includes the run's id label, so no other tenant's pods are selected;
// "any namespace" means any namespace of this run.
import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicyPort } from '@kubernetes/client-node';

type V1NetworkPolicyRule = V1NetworkPolicyIngressRule & V1NetworkPolicyEgressRule;
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import type { Protocol } from './model.ts';

export const NETPOL_NS_LABEL = 'shakedown.dev/netpol-ns';
export const NETPOL_POD_LABEL = 'shakedown.dev/netpol-pod';

export interface PeerDraft {
  // A pod name of the model; all pods when absent.
  pod?: string;
  // Logical namespaces, or 'any' (of this run); the policy's own namespace when absent.
  namespaces?: readonly string[] | 'any';
  // An address block; `except` names pods ("y/b") whose IPs are cut out.
  ipBlock?: { cidr: 'all' | string; exceptPods?: readonly string[] };
}

export interface PortDraft {
  protocol: Protocol;
  // A number or a container port name.
  port: number | string;
  endPort?: number;
}

export interface RuleDraft {
  // From (ingress) or to (egress) these peers; anywhere when absent.
  peers?: readonly PeerDraft[];
  // On these ports; every port when absent.
  ports?: readonly PortDraft[];
}

export interface PolicyDraft {
  name: string;
  namespace: string;
  // The pod of the model this policy applies to; every pod of the namespace when absent.
  pod?: string;
  ingress?: readonly RuleDraft[];
  egress?: readonly RuleDraft[];
  types: readonly ('Ingress' | 'Egress')[];
}

export interface Resolver {
  runId: string;
  namespaceName(logical: string): string;
  // The value of the namespace label (NETPOL_NS_LABEL) a selector of this logical namespace asks
  // for: a lane's x is labelled with the lane's own name ("x2"); the logical name when absent.
  namespaceLabel?(logical: string): string;
  podIP(id: string): string;
}

export function namespaceLabels(runId: string, logical: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [NETPOL_NS_LABEL]: logical };
}

const podSelector = (pod: string | undefined) => (pod === undefined ? {} : { matchLabels: { [NETPOL_POD_LABEL]: pod } });

function hostPrefix(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function peers(peer: PeerDraft, resolver: Resolver): V1NetworkPolicyPeer {
  if (peer.ipBlock !== undefined) {
    const except = (peer.ipBlock.exceptPods ?? []).map((id) => hostPrefix(resolver.podIP(id)));
    const v6 = except.some((cidr) => cidr.includes(':'));
    const cidr = peer.ipBlock.cidr === 'all' ? (v6 ? '::/0' : '0.0.0.0/0') : peer.ipBlock.cidr;
    return { ipBlock: { cidr, ...(except.length > 0 ? { except } : {}) } };
  }
  const out: V1NetworkPolicyPeer = { podSelector: podSelector(peer.pod) };
  if (peer.namespaces === 'any') out.namespaceSelector = { matchLabels: { [RUN_ID_LABEL]: resolver.runId } };
  else if (peer.namespaces !== undefined) {
    out.namespaceSelector = {
      matchLabels: { [RUN_ID_LABEL]: resolver.runId },
      matchExpressions: [{ key: NETPOL_NS_LABEL, operator: 'In', values: peer.namespaces.map((logical) => resolver.namespaceLabel?.(logical) ?? logical) }],
    };
  }
  return out;
}

function ports(port: PortDraft): V1NetworkPolicyPort {
  return { protocol: port.protocol, port: port.port, ...(port.endPort === undefined ? {} : { endPort: port.endPort }) };
}

function rule(draft: RuleDraft, resolver: Resolver, direction: '_from' | 'to'): V1NetworkPolicyRule {
  const out: V1NetworkPolicyRule = {};
  if (draft.peers !== undefined) out[direction] = draft.peers.map((peer) => peers(peer, resolver));
  if (draft.ports !== undefined) out.ports = draft.ports.map(ports);
  return out;
}

export function toNetworkPolicy(draft: PolicyDraft, resolver: Resolver): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: draft.name,
      namespace: resolver.namespaceName(draft.namespace),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: resolver.runId },
    },
    spec: {
      podSelector: podSelector(draft.pod),
      policyTypes: [...draft.types],
      ...(draft.ingress === undefined ? {} : { ingress: draft.ingress.map((r) => rule(r, resolver, '_from')) }),
      ...(draft.egress === undefined ? {} : { egress: draft.egress.map((r) => rule(r, resolver, 'to')) }),
    },
  };
}

// Refuses a policy that could touch anything outside the run: a namespace not of the run, or a
// namespace selector without the run's id.
export function safetyProblems(policy: V1NetworkPolicy, runNamespaces: readonly string[], runId: string): string[] {
  const problems: string[] = [];
  if (!runNamespaces.includes(policy.metadata?.namespace ?? ''))
    problems.push(`policy ${policy.metadata?.name} is in namespace ${policy.metadata?.namespace}, not one of the run's`);
  const rules = [...(policy.spec?.ingress ?? []).flatMap((r) => r._from ?? []), ...(policy.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
  for (const peer of rules) {
    if (peer.namespaceSelector !== undefined && peer.namespaceSelector.matchLabels?.[RUN_ID_LABEL] !== runId)
      problems.push(`policy ${policy.metadata?.name} selects namespaces without the run label ${RUN_ID_LABEL}=${runId}`);
  }
  return problems;
}
