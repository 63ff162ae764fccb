// Entry point candidates from plain objects, in their order of preference.
import type { V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { classifyPorts, entryCandidates, inClusterEntry, parseAddress } from './ingress-entry.ts';

const node: V1Node = { metadata: { name: 'node1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
const pod: V1Pod = {
  metadata: { name: 'traefik-1', namespace: 'traefik', labels: { app: 'traefik' } },
  spec: {
    nodeName: 'node1',
    containers: [
      {
        name: 't',
        ports: [
          { name: 'web', containerPort: 8000, hostPort: 80 },
          { name: 'websecure', containerPort: 8443, hostPort: 443 },
          { name: 'admin', containerPort: 9000 },
        ],
      },
    ],
  },
  status: { hostIP: '10.0.0.1' },
};
const svc = (type: string, extra: Partial<V1Service> = {}): V1Service => ({
  metadata: { name: 'traefik', namespace: 'traefik' },
  spec: {
    type,
    selector: { app: 'traefik' },
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'web', port: 80, nodePort: 30080 },
      { name: 'websecure', port: 443, nodePort: 30443 },
    ],
  },
  ...extra,
});

describe('ingress entry point', () => {
  it('parses --ingress-address', () => {
    expect(parseAddress('10.1.2.3')).toMatchObject({ address: '10.1.2.3', httpPort: 80, httpsPort: 443 });
    expect(parseAddress('lb.example:8080:8443')).toMatchObject({ address: 'lb.example', httpPort: 8080, httpsPort: 8443 });
    expect(parseAddress('[fd00::1]:80')).toMatchObject({ address: 'fd00::1', httpPort: 80 });
  });

  it('tells HTTP from HTTPS ports by name, else by number', () => {
    expect(
      classifyPorts([
        { name: 'web', port: 80 },
        { name: 'websecure', port: 443 },
      ]),
    ).toEqual({ http: 80, https: 443 });
    expect(classifyPorts([{ port: 443 }, { port: 80 }])).toEqual({ http: 80, https: 443 });
  });

  it('the override wins alone; otherwise host ports, then the ClusterIP (a ClusterIP Service)', () => {
    expect(entryCandidates({ override: '1.2.3.4', ingresses: [], pods: [pod], services: [svc('ClusterIP')], nodes: [node] })).toHaveLength(1);
    const list = entryCandidates({ ingresses: [], pods: [pod], services: [svc('ClusterIP')], nodes: [node] });
    expect(list.map((e) => `${e.address}:${e.httpPort}/${e.httpsPort ?? '-'}`)).toEqual(['10.0.0.1:80/443', '10.96.0.10:80/443']);
    expect(list[0]?.via).toContain('hostPort 80 of pod traefik/traefik-1 on node node1');
    expect(inClusterEntry(list)?.via).toContain('ClusterIP');
  });

  it('Ingress status first, then LoadBalancer, then NodePorts on every node', () => {
    const lb = svc('LoadBalancer', { status: { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } } });
    const list = entryCandidates({
      ingresses: [{ metadata: { name: 'x', namespace: 'y' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }] } } }],
      pods: [pod],
      services: [lb],
      nodes: [node],
    });
    expect(list.map((e) => `${e.address}:${e.httpPort}`)).toEqual(['192.0.2.9:80', '192.0.2.7:80', '10.0.0.1:30080', '10.0.0.1:80', '10.96.0.10:80']);
  });

  it('no pods: no Service matches, no candidate', () => {
    expect(entryCandidates({ ingresses: [], pods: [], services: [svc('ClusterIP')], nodes: [node] })).toEqual([]);
  });
});
