// The node pair cells, as data: from the agent on each node to the agent on every node (itself
// included, as the same-node baseline), over TCP and UDP.
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { answeredBy } from '../../helpers/probe/expectations.ts';
import type { Cell } from '../../helpers/probe/reach.ts';

export function pairCells(agents: readonly ProbeAgent[], timeoutMs: number): Cell[] {
  return agents.flatMap((source) =>
    agents.flatMap((target): Cell[] => {
      const facets = (protocol: string, payload: string) => ({ 'source-node': source.node, 'target-node': target.node, pair: `${source.node}->${target.node}`, protocol, payload });
      const base = { source, row: `${source.name}@${source.node}`, expect: answeredBy({ pod: target.name }) };
      return [
        { ...base, column: `${target.node}/tcp`, target: { id: '', kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'network', timeoutMs }, facets: facets('tcp', 'small') },
        { ...base, column: `${target.node}/udp`, target: { id: '', kind: 'udp', host: target.podIP, port: target.ports.udp, payload: 'network', timeoutMs }, facets: facets('udp', 'small') },
      ];
    }),
  );
}
