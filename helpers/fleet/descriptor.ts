// What the suites know about the probe fleet: plain, serializable descriptors, handed to the
// workers through provide/inject, fetched once at setup (identity, node and zone, resolv.conf).
// Agents are reached by name through a ProbeTransport.
import type { Diagnosis } from '../diagnose/diagnosis.ts';
import type { ResolvConf } from '../../agent/protocol.ts';

export interface AgentPorts {
  // The first HTTP port, which also serves the agent API.
  api: number;
  http: number[];
  tcp: number;
  udp: number;
}

// 'node': the one probe pod pinned to each schedulable node; 'extra': more endpoints for checks that need them.
export type AgentGroup = 'node' | 'extra';

export interface ProbeAgent {
  name: string;
  namespace: string;
  node: string;
  podIP: string;
  group: AgentGroup;
  ports: AgentPorts;
  labels: Record<string, string>;
  /**
   * The run's API token, which the transports present to the agent. Carried as data so workers get
   * it through provide/inject; never print a ProbeAgent whole (reproduce commands read the Secret,
   * see agentAuthCurlHeader).
   */
  token: string;
  // The node's zone (topology.kubernetes.io/zone), when it has one.
  zone?: string;
  // The pod's /etc/resolv.conf as the agent read it at setup, when it was asked.
  resolvConf?: ResolvConf;
}

export interface FleetDescriptor {
  namespace: string;
  image: string;
  agents: ProbeAgent[];
  // Labels every probe pod carries, for Services that select the whole fleet.
  selector: Record<string, string>;
  // The Secret in the namespace holding the agents' API token.
  tokenSecret: string;
  // Which agents matrix checks use, and which nodes have none (plan.ts: matrixAgents, everyNodeAgents).
  coverage?: FleetCoverage;
  // Nodes whose agents never became ready, with the component found at fault: the fleet runs on the rest.
  unavailable?: { node: string; diagnosis: Diagnosis }[];
}

export const AGENT_PORTS: AgentPorts = { api: 8080, http: [8080, 8081, 8082], tcp: 9000, udp: 9001 };

// What the fleet covers: the matrix sample, zones and pools, and the nodes left without an agent (plan.ts).
export interface FleetCoverage {
  // Agent names of the matrix sample, in plan order.
  matrix: string[];
  zones: string[];
  pools: string[];
  // Zones and pools with no agent in the matrix sample (only when MATRIX_CAP is too small).
  uncovered: { zones: string[]; pools: string[] };
  // Schedulable nodes without an agent, with why.
  notCovered: { node: string; reason: string }[];
  bounds: { matrixCap: number; nodeCap: number };
}
