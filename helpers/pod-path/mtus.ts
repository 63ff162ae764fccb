// Each node agent's pod interface MTU (its /v1/info): what sizes the large probes of a node pair.
import pLimit from 'p-limit';
import type { InterfaceMtu } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../fleet/descriptor.ts';
import type { ProbeTransport } from '../transport/transport.ts';

// By node name. An agent that cannot be asked gets an error entry, never a throw.
export async function agentMtus(transport: ProbeTransport, agents: readonly ProbeAgent[], signal?: AbortSignal): Promise<Map<string, InterfaceMtu>> {
  const limit = pLimit(16);
  const entries = await Promise.all(
    agents.map((agent) =>
      limit(async (): Promise<[string, InterfaceMtu]> => {
        try {
          const info = await transport.info(agent, signal === undefined ? {} : { signal });
          return [agent.node, info.mtu ?? { interface: '?', error: `agent ${info.version} does not report its MTU` }];
        } catch (error) {
          signal?.throwIfAborted();
          return [agent.node, { interface: '?', error: `agent not asked: ${error instanceof Error ? error.message : String(error)}` }];
        }
      }),
    ),
  );
  return new Map(entries);
}
