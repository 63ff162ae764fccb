// The smoke suite's cells, as data: every agent to every agent pod IP over HTTP, TCP and UDP, and
// every agent's cluster DNS lookup of the kubernetes Service over UDP and TCP. Facets name the
// source and target node and the protocol, so a failure names what the failing probes share.
import type { ResolvConf } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { answeredBy, dnsRecords } from '../../helpers/probe/expectations.ts';
import type { Cell } from '../../helpers/probe/reach.ts';

export function podToPodCells(agents: readonly ProbeAgent[], timeoutMs: number): Cell[] {
  return agents.flatMap((source) =>
    agents.flatMap((target): Cell[] => {
      const facets = (protocol: string) => ({
        'source-node': source.node,
        'target-node': target.node,
        'source-pod': source.name,
        'target-pod': target.name,
        protocol,
      });
      const base = { source, row: `${source.name}@${source.node}`, expect: answeredBy({ pod: target.name }) };
      return [
        {
          ...base,
          column: `${target.name}/http`,
          target: { id: '', kind: 'http', url: `http://${target.podIP}:${target.ports.http[1] ?? target.ports.api}/`, timeoutMs },
          facets: facets('http'),
        },
        {
          ...base,
          column: `${target.name}/tcp`,
          target: { id: '', kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'smoke', timeoutMs },
          facets: facets('tcp'),
        },
        {
          ...base,
          column: `${target.name}/udp`,
          target: { id: '', kind: 'udp', host: target.podIP, port: target.ports.udp, payload: 'smoke', timeoutMs },
          facets: facets('udp'),
        },
      ];
    }),
  );
}

export function clusterDomain(resolv: ResolvConf): string {
  return resolv.search.find((entry) => entry.startsWith('svc.'))?.slice('svc.'.length) ?? 'cluster.local';
}

// Agents whose resolv.conf names no nameserver get no cell; the caller reports them.
export function dnsCells(agents: readonly { agent: ProbeAgent; resolv: ResolvConf }[], clusterIP: string, timeoutMs: number): Cell[] {
  return agents.flatMap(({ agent, resolv }) => {
    const server = resolv.nameservers[0];
    if (server === undefined) return [];
    const name = `kubernetes.default.svc.${clusterDomain(resolv)}`;
    return (['udp', 'tcp'] as const).map((via): Cell => ({
      source: agent,
      row: `${agent.name}@${agent.node}`,
      column: `${name} A over ${via}`,
      target: { id: '', kind: 'dns', server, name, type: 'A', transport: via, timeoutMs },
      expect: dnsRecords({ contains: [clusterIP], via }),
      facets: { 'source-node': agent.node, server, protocol: via },
    }));
  });
}
