// The objects of the probe fleet, built as plain data: the ConfigMap holding the agent bundle and
// one pod per agent, meeting Pod Security "restricted" (non-root uid 65534, no capabilities,
// RuntimeDefault seccomp, read-only root filesystem, no privilege escalation), small requests,
// readiness on /healthz, identity from the downward API.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../run/labels.ts';
import { AGENT_PORTS, type AgentGroup } from './descriptor.ts';

export const AGENT_CONFIGMAP = 'shakedown-agent';
export const AGENT_FILE = 'agent.mjs';
export const AGENT_MOUNT = '/agent';
export const ROLE_LABEL = 'shakedown.dev/role';
export const GROUP_LABEL = 'shakedown.dev/group';
export const NODE_LABEL = 'shakedown.dev/node';
// Each probe pod's own name, so a Service can select exactly one agent.
export const PROBE_LABEL = 'shakedown.dev/probe';
export const PROBE_ROLE = 'probe';
export const AGENT_CONTAINER = 'agent';

export function fleetSelector(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [ROLE_LABEL]: PROBE_ROLE };
}

export function agentConfigMap(namespace: string, runId: string, bundle: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: AGENT_CONFIGMAP, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId } },
    data: { [AGENT_FILE]: bundle },
  };
}

export interface ProbePodSpec {
  name: string;
  namespace: string;
  runId: string;
  node: string;
  group: AgentGroup;
  image: string;
  pullPolicy: 'IfNotPresent' | 'Never';
  pullSecret?: string;
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export function probePod(spec: ProbePodSpec): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { ...fleetSelector(spec.runId), [GROUP_LABEL]: spec.group, [NODE_LABEL]: spec.node.slice(0, 63), [PROBE_LABEL]: spec.name },
    },
    spec: {
      // Pinned through the scheduler (not nodeName), so an unschedulable pod says why in its events.
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [spec.node] }] }],
          },
        },
      },
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 2,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      ...(spec.pullSecret === undefined ? {} : { imagePullSecrets: [{ name: spec.pullSecret }] }),
      containers: [
        {
          name: AGENT_CONTAINER,
          image: spec.image,
          imagePullPolicy: spec.pullPolicy,
          command: ['node', `${AGENT_MOUNT}/${AGENT_FILE}`],
          env: [
            fieldEnv('POD_NAME', 'metadata.name'),
            fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
            fieldEnv('NODE_NAME', 'spec.nodeName'),
            fieldEnv('POD_IP', 'status.podIP'),
            { name: 'HTTP_PORTS', value: AGENT_PORTS.http.join(',') },
            { name: 'TCP_ECHO_PORT', value: String(AGENT_PORTS.tcp) },
            { name: 'UDP_ECHO_PORT', value: String(AGENT_PORTS.udp) },
          ],
          ports: [
            ...AGENT_PORTS.http.map((port, index) => ({ name: index === 0 ? 'http' : `http-${index}`, containerPort: port, protocol: 'TCP' })),
            { name: 'tcp-echo', containerPort: AGENT_PORTS.tcp, protocol: 'TCP' },
            { name: 'udp-echo', containerPort: AGENT_PORTS.udp, protocol: 'UDP' },
          ],
          readinessProbe: { httpGet: { path: '/healthz', port: AGENT_PORTS.api }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 2 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [{ name: 'agent', mountPath: AGENT_MOUNT, readOnly: true }],
        },
      ],
      volumes: [{ name: 'agent', configMap: { name: AGENT_CONFIGMAP } }],
    },
  };
}

export interface FleetPlanOptions {
  nodes: readonly string[];
  // At least this many agents in all; extras are spread over the nodes in turn.
  minAgents: number;
}

export interface PlannedAgent {
  name: string;
  node: string;
  group: AgentGroup;
}

// One agent per node, then extras round-robin until there are minAgents.
export function planFleet(options: FleetPlanOptions): PlannedAgent[] {
  const planned: PlannedAgent[] = options.nodes.map((node, index) => ({ name: `probe-${index}`, node, group: 'node' }));
  for (let extra = 0; planned.length < options.minAgents && options.nodes.length > 0; extra++) {
    const node = options.nodes[extra % options.nodes.length] ?? '';
    planned.push({ name: `probe-x${extra}`, node, group: 'extra' });
  }
  return planned;
}
