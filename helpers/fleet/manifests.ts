// The objects of the probe fleet, built as plain data: the ConfigMap holding the agent bundle and
// one pod per agent, meeting Pod Security "restricted" (non-root uid 65534, no capabilities,
// RuntimeDefault seccomp, read-only root filesystem, no privilege escalation), small requests,
// readiness on /healthz, identity from the downward API, and the run's API token from a Secret.
//
// Pods of the agent made elsewhere (another namespace, another suite) get the same protection in
// three steps: create agentTokenSecret(namespace, runId, token) in their namespace, build the pods
// with probePod() (which mounts the Secret named AGENT_TOKEN_SECRET, or spec.tokenSecret), and put
// the same token in every AgentAddress the transports are handed.
import { randomBytes } from 'node:crypto';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
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
// The run's API token: a Secret in the pod's namespace, mounted read-only; the agent reads the file
// named by AGENT_TOKEN_FILE at start and refuses to start without it.
export const AGENT_TOKEN_SECRET = 'shakedown-agent-token';
export const AGENT_TOKEN_KEY = 'token';
export const AGENT_TOKEN_MOUNT = '/var/run/shakedown-agent';
export const AGENT_TOKEN_FILE = `${AGENT_TOKEN_MOUNT}/${AGENT_TOKEN_KEY}`;
// The run's uid and gid; the Secret's files are readable by that group only.
const AGENT_UID = 65534;

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

/** A new random token for a run: 32 bytes, base64url (43 characters). */
export function newAgentToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The Secret holding a run's API token, labelled as the run's, in the namespace of its agent pods. */
export function agentTokenSecret(namespace: string, runId: string, token: string, name: string = AGENT_TOKEN_SECRET): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId } },
    immutable: true,
    data: { [AGENT_TOKEN_KEY]: Buffer.from(token).toString('base64') },
  };
}

/**
 * For reproduce commands: a curl header that reads the token from the cluster when it runs, so the
 * token itself never appears in a report.
 */
export function agentAuthCurlHeader(namespace: string, secret: string = AGENT_TOKEN_SECRET): string {
  return `-H "Authorization: Bearer $(kubectl -n ${namespace} get secret ${secret} -o jsonpath='{.data.${AGENT_TOKEN_KEY}}' | base64 -d)"`;
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
  /** The Secret holding the run's API token, in the pod's namespace (default AGENT_TOKEN_SECRET). */
  tokenSecret?: string;
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
      securityContext: { runAsNonRoot: true, runAsUser: AGENT_UID, runAsGroup: AGENT_UID, fsGroup: AGENT_UID, seccompProfile: { type: 'RuntimeDefault' } },
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
            { name: 'AGENT_TOKEN_FILE', value: AGENT_TOKEN_FILE },
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
          volumeMounts: [
            { name: 'agent', mountPath: AGENT_MOUNT, readOnly: true },
            { name: 'agent-token', mountPath: AGENT_TOKEN_MOUNT, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'agent', configMap: { name: AGENT_CONFIGMAP } },
        { name: 'agent-token', secret: { secretName: spec.tokenSecret ?? AGENT_TOKEN_SECRET, defaultMode: 0o440 } },
      ],
    },
  };
}
