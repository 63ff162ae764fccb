// The objects the control-plane suite makes in its own namespace, as plain data: a tiny HTTP
// server in the probe image (no agent bundle, no token: it answers one line naming its pod and
// node, and logs one line at start), pinned pods per node (by node affinity, so the scheduler
// binds them), a Deployment of the same, and Services over them. Pod Security "restricted".
import type { V1Deployment, V1Pod, V1PodSpec, V1Service } from '@kubernetes/client-node';
import type { ImageChoice } from '../../helpers/fleet/image.ts';
import { AGENT_CONTAINER } from '../../helpers/fleet/manifests.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';

export const SERVER_PORT = 8080;
export const MARKER = 'shakedown-control-plane';
export const ROLE = 'shakedown.dev/cp-role';
// The label the EndpointSlice check moves a pod in and out of its Service with.
export const SLICE_LABEL = 'shakedown.dev/cp-slice';

// Answers every request with "<MARKER> <pod> <node>"; logs "<MARKER> listening <pod>"; exits on SIGTERM
// at once (as PID 1 it would otherwise ignore it and wait out the grace period).
export const SERVER_SCRIPT = [
  'const id = `${process.env.POD_NAME} ${process.env.NODE_NAME}`;',
  "process.on('SIGTERM', () => process.exit(0));",
  `require('node:http').createServer((q, s) => s.end('${MARKER} ' + id + '\\n')).listen(Number(process.env.PORT ?? ${SERVER_PORT}), () => console.log('${MARKER} listening ' + id));`,
].join('\n');

const env = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export function serverPodSpec(image: ImageChoice, node?: string): V1PodSpec {
  return {
    ...(node === undefined
      ? {}
      : {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
              },
            },
          },
        }),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 1,
    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        // Named like the probe pods' container, so the exec runner reaches it the same way.
        name: AGENT_CONTAINER,
        image: image.image,
        imagePullPolicy: image.pullPolicy,
        command: ['node', '-e', SERVER_SCRIPT],
        env: [env('POD_NAME', 'metadata.name'), env('NODE_NAME', 'spec.nodeName')],
        ports: [{ name: 'http', containerPort: SERVER_PORT, protocol: 'TCP' }],
        readinessProbe: { httpGet: { path: '/', port: SERVER_PORT }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 2 },
        resources: { requests: { cpu: '5m', memory: '24Mi' }, limits: { memory: '96Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
}

function labels(runId: string, role: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [ROLE]: role, ...extra };
}

export function nodePod(spec: { name: string; namespace: string; runId: string; node: string; image: ImageChoice }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: labels(spec.runId, 'node', { [SLICE_LABEL]: 'in' }) },
    spec: serverPodSpec(spec.image, spec.node),
  };
}

export function deployment(spec: { name: string; namespace: string; runId: string; image: ImageChoice }): V1Deployment {
  const podLabels = labels(spec.runId, spec.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.name, namespace: spec.namespace, labels: labels(spec.runId, spec.name) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [ROLE]: spec.name } },
      template: { metadata: { labels: podLabels }, spec: serverPodSpec(spec.image) },
    },
  };
}

export function service(spec: { name: string; namespace: string; runId: string; selector: Record<string, string> }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, namespace: spec.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: spec.runId } },
    spec: { type: 'ClusterIP', selector: spec.selector, ports: [{ name: 'http', port: 80, targetPort: SERVER_PORT, protocol: 'TCP' }] },
  };
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

// Why a pod is not running yet, in a few words (waiting reason, phase, scheduling condition).
export function podState(pod: V1Pod | undefined): string {
  if (pod === undefined) return 'never seen';
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting !== undefined)?.state?.waiting;
  if (waiting !== undefined) return `${waiting.reason ?? 'Waiting'}${waiting.message === undefined ? '' : `: ${waiting.message.slice(0, 160)}`}`;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `unschedulable: ${scheduled.message ?? scheduled.reason ?? ''}`.trim();
  if (pod.spec?.nodeName === undefined) return 'not bound to a node';
  return `${pod.status?.phase ?? 'no phase'}${isReady(pod) ? ', ready' : ', not ready'}`;
}
