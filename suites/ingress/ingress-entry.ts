// Where traffic enters the controller, as candidates in order of preference: --ingress-address,
// the address an Ingress's status publishes, the controller Service's LoadBalancer addresses, its
// NodePorts on the node addresses, the host ports of its pods, and its ClusterIP (reachable from
// inside the cluster, and from the runner only where Service addresses are routed to it). The suite
// tries them from the runner in this order and says which one answered. Pure.
import type { V1Ingress, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { EntryPoint } from './ingress-probe.ts';

export type Port = { http?: number; https?: number };

const HTTPS_NAME = /https|websecure|tls|ssl/i;
const HTTP_NAME = /http|web/i;

// Which of a Service's or container's ports carry HTTP and HTTPS: by name, else 80/443 (or 8080/8443).
export function classifyPorts(ports: readonly { name?: string; port: number }[]): Port {
  const out: Port = {};
  for (const p of ports) {
    const name = p.name ?? '';
    if (out.https === undefined && (HTTPS_NAME.test(name) || p.port === 443 || (name === '' && p.port === 8443))) out.https = p.port;
    else if (out.http === undefined && (HTTP_NAME.test(name) || p.port === 80 || (name === '' && p.port === 8080))) out.http = p.port;
  }
  return out;
}

// --ingress-address: HOST, HOST:HTTP or HOST:HTTP:HTTPS (IPv6 in brackets).
export function parseAddress(text: string): EntryPoint | undefined {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  if (match === null) return undefined;
  const address = (match[1] ?? '').replace(/^\[|\]$/g, '');
  return { address, httpPort: Number(match[2] ?? 80), httpsPort: Number(match[3] ?? 443), via: `--ingress-address ${text.trim()}` };
}

function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function nodeAddress(node: V1Node | undefined): string | undefined {
  const addresses = node?.status?.addresses ?? [];
  return addresses.find((a) => a.type === 'ExternalIP')?.address ?? addresses.find((a) => a.type === 'InternalIP')?.address;
}

export interface EntryInput {
  override?: string;
  // Ingresses of this run, with status as the controller wrote it.
  ingresses: readonly V1Ingress[];
  // The controller's pods and the Services in its namespace.
  pods: readonly V1Pod[];
  services: readonly V1Service[];
  nodes: readonly V1Node[];
}

export function entryCandidates(input: EntryInput): EntryPoint[] {
  const out: EntryPoint[] = [];
  const add = (entry: EntryPoint) => {
    if (!out.some((e) => e.address === entry.address && e.httpPort === entry.httpPort)) out.push(entry);
  };
  if (input.override !== undefined && input.override !== '') {
    const parsed = parseAddress(input.override);
    if (parsed !== undefined) return [parsed];
  }
  for (const ing of input.ingresses) {
    for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
      const address = lb.ip ?? lb.hostname;
      if (address !== undefined)
        add({ address, httpPort: 80, httpsPort: 443, via: `status.loadBalancer of Ingress ${ing.metadata?.namespace ?? ''}/${ing.metadata?.name ?? ''}` });
    }
  }
  const podLabels = input.pods.map((p) => p.metadata?.labels ?? {});
  const services = input.services.filter((s) => podLabels.some((labels) => labelsMatch(s.spec?.selector, labels)));
  for (const svc of services) {
    const name = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const ports = classifyPorts((svc.spec?.ports ?? []).map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.port })));
    const nodePorts = classifyPorts(
      (svc.spec?.ports ?? [])
        .filter((p) => p.nodePort !== undefined)
        .map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.port, nodePort: p.nodePort ?? 0 })),
    );
    if (svc.spec?.type === 'LoadBalancer' && ports.http !== undefined) {
      for (const lb of svc.status?.loadBalancer?.ingress ?? []) {
        const address = lb.ip ?? lb.hostname;
        if (address !== undefined)
          add({ address, httpPort: ports.http, ...(ports.https === undefined ? {} : { httpsPort: ports.https }), via: `LoadBalancer of Service ${name}` });
      }
    }
    if ((svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer') && nodePorts.http !== undefined) {
      const byPort = new Map((svc.spec.ports ?? []).map((p) => [p.port, p.nodePort]));
      const httpNode = byPort.get(nodePorts.http);
      const httpsNode = nodePorts.https === undefined ? undefined : byPort.get(nodePorts.https);
      for (const node of input.nodes) {
        const address = nodeAddress(node);
        if (address !== undefined && httpNode !== undefined)
          add({
            address,
            httpPort: httpNode,
            ...(httpsNode === undefined ? {} : { httpsPort: httpsNode }),
            via: `NodePort of Service ${name} on node ${node.metadata?.name ?? ''}`,
          });
      }
    }
  }
  for (const pod of input.pods) {
    const hostPorts = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort > 0);
    const ports = classifyPorts(hostPorts.map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.hostPort ?? 0 })));
    const node = input.nodes.find((n) => n.metadata?.name === pod.spec?.nodeName);
    const address = pod.spec?.hostNetwork === true ? pod.status?.hostIP : (nodeAddress(node) ?? pod.status?.hostIP);
    if (ports.http !== undefined && address !== undefined)
      add({
        address,
        httpPort: ports.http,
        ...(ports.https === undefined ? {} : { httpsPort: ports.https }),
        via: `hostPort ${ports.http} of pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} on node ${pod.spec?.nodeName ?? '?'}`,
      });
  }
  for (const svc of services) {
    const ports = classifyPorts((svc.spec?.ports ?? []).map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.port })));
    const ip = svc.spec?.clusterIP;
    if (ip !== undefined && ip !== 'None' && ports.http !== undefined)
      add({
        address: ip,
        httpPort: ports.http,
        ...(ports.https === undefined ? {} : { httpsPort: ports.https }),
        via: `ClusterIP of Service ${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`,
      });
  }
  return out;
}

// The in-cluster path for agents: the controller Service's ClusterIP, else the first candidate.
export function inClusterEntry(candidates: readonly EntryPoint[]): EntryPoint | undefined {
  return candidates.find((c) => c.via.startsWith('ClusterIP')) ?? candidates[0];
}
