// The pods of a NetworkPolicy truth table: in each namespace of the model, one pod per model pod,
// spread over the nodes. Each runs the probe agent twice, so that every model port answers on TCP
// and on UDP: container "agent" (API 8080, echo 9000/TCP and 9000/UDP) and "agent-2" (API 8081,
// echo 9001/TCP and 9001/UDP). Container ports are named "serve-PORT-tcp|udp" for named-port
// policies. Security context as the fleet's: Pod Security "restricted".
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { probePod } from '../../helpers/fleet/manifests.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import type { ModelPort } from './model.ts';
import { NETPOL_NS_LABEL, NETPOL_POD_LABEL } from './policy.ts';

export const NETPOL_PORTS: readonly ModelPort[] = [
  { protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' },
  { protocol: 'TCP', port: 9001, name: 'serve-9001-tcp' },
  { protocol: 'UDP', port: 9000, name: 'serve-9000-udp' },
  { protocol: 'UDP', port: 9001, name: 'serve-9001-udp' },
];

// The API port of container "agent", which the exec transport talks to.
export const NETPOL_API_PORT = 8080;
const SECOND = { container: 'agent-2', api: 8081, echo: 9001 };

export interface NetpolPodSpec {
  name: string;
  namespace: string;
  logicalNamespace: string;
  runId: string;
  node: string;
  image: string;
  pullPolicy: 'IfNotPresent' | 'Never';
  pullSecret?: string;
}

export function netpolPodLabels(runId: string, logicalNamespace: string, pod: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [NETPOL_NS_LABEL]: logicalNamespace, [NETPOL_POD_LABEL]: pod };
}

function withPorts(container: V1Container, api: number, echo: number, name: string): V1Container {
  const env = (container.env ?? []).filter((e) => !['HTTP_PORTS', 'TCP_ECHO_PORT', 'UDP_ECHO_PORT'].includes(e.name));
  return {
    ...container,
    name,
    env: [...env, { name: 'HTTP_PORTS', value: String(api) }, { name: 'TCP_ECHO_PORT', value: String(echo) }, { name: 'UDP_ECHO_PORT', value: String(echo) }],
    ports: [
      { name: api === NETPOL_API_PORT ? 'api' : 'api-2', containerPort: api, protocol: 'TCP' },
      { name: `serve-${echo}-tcp`, containerPort: echo, protocol: 'TCP' },
      { name: `serve-${echo}-udp`, containerPort: echo, protocol: 'UDP' },
    ],
    readinessProbe: { httpGet: { path: '/healthz', port: api }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 2 },
  };
}

export function netpolPod(spec: NetpolPodSpec): V1Pod {
  const base = probePod({
    name: spec.name,
    namespace: spec.namespace,
    runId: spec.runId,
    node: spec.node,
    group: 'extra',
    image: spec.image,
    pullPolicy: spec.pullPolicy,
    ...(spec.pullSecret === undefined ? {} : { pullSecret: spec.pullSecret }),
  });
  const [agent] = base.spec?.containers ?? [];
  if (agent === undefined || base.spec === undefined) throw new Error('probePod() returned no container');
  return {
    ...base,
    metadata: { ...base.metadata, labels: netpolPodLabels(spec.runId, spec.logicalNamespace, spec.name) },
    spec: { ...base.spec, containers: [withPorts(agent, NETPOL_API_PORT, 9000, agent.name), withPorts(agent, SECOND.api, SECOND.echo, SECOND.container)] },
  };
}
