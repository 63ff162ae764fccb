// Real-shaped objects for the configuration tests: nodes as the API returns them, flannel's
// ConfigMap as kube-flannel.yml ships it, Calico's resources as calico-node writes them.
import type { NetworkFacts, NodeNet } from '../facts.ts';
import { nodeNet } from '../facts.ts';

export function node(name: string, podCIDR: string | undefined, ip: string, annotations: Record<string, string> = {}): NodeNet {
  return nodeNet({
    metadata: { name, annotations },
    spec: podCIDR === undefined ? {} : { podCIDR, podCIDRs: [podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
    },
  });
}

export const flannelAnnotations = (ip: string, mac: string, type = 'vxlan'): Record<string, string> => ({
  'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 1, VtepMAC: mac }),
  'flannel.alpha.coreos.com/backend-type': type,
  'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
  'flannel.alpha.coreos.com/public-ip': ip,
  'node.alpha.kubernetes.io/ttl': '0',
});

export const NET_CONF = JSON.stringify({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } }, null, 2);

export function facts(partial: Partial<NetworkFacts>): NetworkFacts {
  return { nodes: [], workloads: {}, unread: [], ...partial };
}

export const twoNodes = (): NodeNet[] => [node('node1', '10.244.1.0/24', '10.217.0.11'), node('node2', '10.244.2.0/24', '10.217.0.12')];
