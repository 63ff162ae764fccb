// A transport for unit tests: answers each target with a scripted result, records every call.
import { API_VERSION, type InfoResponse, type ProbeResult, type ProbeTarget } from '../../agent/protocol.ts';
import type { AgentAddress, ProbeTransport } from './transport.ts';

export type FakeAnswer = (agent: AgentAddress, target: ProbeTarget) => Omit<ProbeResult, 'id' | 'kind'>;

export interface FakeTransport extends ProbeTransport {
  readonly calls: { agent: string; targets: ProbeTarget[] }[];
  readonly readiness: Map<string, boolean>;
}

export function createFakeTransport(answer: FakeAnswer): FakeTransport {
  const calls: { agent: string; targets: ProbeTarget[] }[] = [];
  const readiness = new Map<string, boolean>();
  return {
    kind: 'fake',
    calls,
    readiness,
    async probe(agent, targets) {
      calls.push({ agent: agent.name, targets: [...targets] });
      return {
        apiVersion: API_VERSION,
        pod: agent.name,
        node: agent.node ?? 'fake-node',
        results: targets.map((target) => ({ id: target.id, kind: target.kind, ...answer(agent, target) })),
      };
    },
    async info(agent): Promise<InfoResponse> {
      return {
        apiVersion: API_VERSION,
        pod: agent.name,
        namespace: agent.namespace,
        node: agent.node ?? 'fake-node',
        podIP: '10.0.0.1',
        version: 'fake',
        ready: readiness.get(agent.name) ?? true,
        ports: { api: agent.ports.api, http: [agent.ports.api], tcp: 9000, udp: 9001 },
        resolvConf: { nameservers: [], search: [], options: [] },
      };
    },
    async setReady(agent, ready) {
      readiness.set(agent.name, ready);
    },
    close: async () => {},
  };
}
