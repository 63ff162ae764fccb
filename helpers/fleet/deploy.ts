// Deploys the probe fleet into the run namespace and waits until every agent is ready: first the
// Secret holding the run's fresh API token, then the agent's ConfigMap, then the pods. While it
// waits, what the cluster shows (Leases, node conditions, events: diagnose/) names the component
// at fault: a cluster-wide one (scheduler, controller-manager) ends the wait at once; a node's
// (its kubelet, its pod network) drops that node's agents when the fleet may run without them.
// A pod that cannot become ready ends the wait with SD_SETUP_FAILED naming the component or the
// pod, its node and the reason, with its warning events and the tail of its log as details: the
// engine's one diagnosing pod wait (diagnose/pod-wait.ts), told the fleet's plan, image and hints.
import type { CoordinationV1Api, CoreV1Api, V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { ADMISSION_REFUSAL } from '../diagnose/owner.ts';
import { podEvidenceApi, waitForPods, type PodEvidenceApi } from '../diagnose/pod-wait.ts';
import { signalsApi, type Signals } from '../diagnose/signals.ts';
import { createExplained, errorText } from '../diagnose/wait.ts';
import { ShakedownError } from '../errors.ts';
import { AGENT_PORTS, type FleetDescriptor, type ProbeAgent } from './descriptor.ts';
import type { ImageChoice } from './image.ts';
import { AGENT_CONTAINER, AGENT_TOKEN_SECRET, agentConfigMap, agentTokenSecret, fleetSelector, newAgentToken, probePod } from './manifests.ts';
import { planBoundedFleet, type PlanNode, type PlannedAgent } from './plan.ts';

// With the probe pods' events and log tails (of the agent container), for the wait's error.
export interface FleetApi extends PodEvidenceApi {
  createSecret(secret: V1Secret): Promise<void>;
  createConfigMap(configMap: V1ConfigMap): Promise<void>;
  createPod(pod: V1Pod): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  // What the cluster says about its components and this namespace's events (absent: no diagnosis).
  signals?(namespace: string): Promise<Signals>;
}

export function fleetApi(core: CoreV1Api, coordination?: CoordinationV1Api): FleetApi {
  const signals = coordination === undefined ? undefined : signalsApi(core, coordination);
  return {
    ...(signals === undefined ? {} : { signals: (namespace: string) => signals.read(namespace) }),
    createSecret: async (secret) => void (await core.createNamespacedSecret({ namespace: secret.metadata?.namespace ?? '', body: secret })),
    createConfigMap: async (configMap) => void (await core.createNamespacedConfigMap({ namespace: configMap.metadata?.namespace ?? '', body: configMap })),
    createPod: async (pod) => void (await core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? '', body: pod })),
    listPods: async (namespace, labelSelector) => (await core.listNamespacedPod({ namespace, labelSelector })).items,
    ...podEvidenceApi(core, AGENT_CONTAINER),
  };
}

export interface DeployOptions {
  namespace: string;
  runId: string;
  // Schedulable nodes (with their zone and pool when known): the bounded plan of plan.ts.
  nodes: readonly (string | PlanNode)[];
  minAgents: number;
  image: ImageChoice;
  pullSecret?: string;
  bundle: string;
  /** The run's API token; a fresh random one when absent. */
  token?: string;
  timeoutMs: number;
  // May the fleet go on without the nodes a diagnosis names (their kubelet hung, their CNI broken)?
  partial?: boolean;
  pollMs?: number;
  // How often the cluster's signals are read while pods are not ready (default 3 s).
  diagnoseEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  // Told what the wait is for while pods are not ready ("waiting for 3 probe pods: 1 ready (...)"),
  // each time that changes: a live display shows it.
  onWait?: (line: string) => void;
}

const selectorText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export async function deployFleet(api: FleetApi, options: DeployOptions): Promise<FleetDescriptor> {
  const { agents: plan, coverage } = planBoundedFleet({ nodes: options.nodes, minAgents: options.minAgents });
  const token = options.token ?? newAgentToken();
  const create = creator(api, options.namespace, options.signal);
  await create(() => api.createSecret(agentTokenSecret(options.namespace, options.runId, token)), `Secret of the agents' API token in ${options.namespace}`);
  await create(() => api.createConfigMap(agentConfigMap(options.namespace, options.runId, options.bundle)), `ConfigMap of the agent in ${options.namespace}`);
  await Promise.all(
    plan.map((agent) =>
      create(
        () =>
          api.createPod(
            probePod({
              name: agent.name,
              namespace: options.namespace,
              runId: options.runId,
              node: agent.node,
              group: agent.group,
              image: options.image.image,
              pullPolicy: options.image.pullPolicy,
              tokenSecret: AGENT_TOKEN_SECRET,
              ...(options.pullSecret === undefined ? {} : { pullSecret: options.pullSecret }),
            }),
          ),
        `probe pod ${agent.name} on node ${agent.node}`,
      ),
    ),
  );
  const selector = fleetSelector(options.runId);
  const waited = await waitForPods({
    list: () => api.listPods(options.namespace, selectorText(selector)),
    expected: plan.map((agent) => ({ name: agent.name, node: agent.node })),
    namespace: options.namespace,
    signals: api.signals === undefined ? undefined : { read: api.signals },
    what: 'probe pods',
    container: AGENT_CONTAINER,
    evidence: api,
    image: { image: options.image.image, why: options.image.why, pullPolicy: options.image.pullPolicy },
    hint: (reason) => hintFor(reason, options.image.image),
    partial: options.partial,
    timeoutMs: options.timeoutMs,
    pollMs: options.pollMs,
    diagnoseEveryMs: options.diagnoseEveryMs,
    signal: options.signal,
    now: options.now,
    sleep: options.sleep,
    onWait: options.onWait,
  });
  const pods = new Map(waited.pods.map((pod) => [pod.metadata?.name ?? '', pod]));
  const dropped = waited.dropped;
  const unavailable = [...dropped].map(([node, diagnosis]) => ({ node, diagnosis }));
  return {
    namespace: options.namespace,
    image: options.image.image,
    selector,
    tokenSecret: AGENT_TOKEN_SECRET,
    agents: plan.filter((agent) => !dropped.has(agent.node)).map((agent) => descriptor(agent, options.namespace, pods.get(agent.name), token)),
    coverage,
    ...(unavailable.length === 0 ? {} : { unavailable }),
  };
}

function creator(api: FleetApi, namespace: string, signal?: AbortSignal) {
  const signals = api.signals === undefined ? undefined : { read: api.signals };
  return async (action: () => Promise<void>, what: string): Promise<void> => {
    try {
      await createExplained(action, { namespace, ...(signals === undefined ? {} : { signals }), ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if (error instanceof ShakedownError || signal?.aborted === true) throw error;
      const message = errorText(error);
      const refusedByAdmission = ADMISSION_REFUSAL.test(message);
      throw new ShakedownError('SD_SETUP_FAILED', `cannot create the ${what}: ${refusedByAdmission ? 'admission refused it: ' : ''}${message}`, {
        cause: error,
        ...(refusedByAdmission
          ? {
              hint: 'An admission policy (Pod Security, a ResourceQuota or a webhook, named above) refused the probe pod; allow Pod Security "restricted" pods in namespaces labelled app.kubernetes.io/managed-by=shakedown.',
            }
          : {}),
      });
    }
  };
}

function hintFor(reason: string, image: string): string {
  if (/ImagePull|ErrImageNeverPull|InvalidImageName/.test(reason)) {
    return `The nodes cannot get ${image}: mirror it (shakedown images lists it) and pass --probe-image, with --image-pull-secret if the registry needs credentials.`;
  }
  if (/not scheduled/.test(reason)) return "The scheduler cannot place the pod on its node: check the node's taints, free resources and ResourceQuotas.";
  if (/crash/.test(reason)) return 'The agent exits at start: read its log above; the probe image must provide Node.js 22 or newer as `node`.';
  return 'Read the events above; admission webhooks, quotas and a slow image pull are the usual causes. --setup-timeout allows more time.';
}

function descriptor(agent: PlannedAgent, namespace: string, pod: V1Pod | undefined, token: string): ProbeAgent {
  return {
    name: agent.name,
    namespace,
    node: pod?.spec?.nodeName ?? agent.node,
    podIP: pod?.status?.podIP ?? '',
    group: agent.group,
    ports: { ...AGENT_PORTS, http: [...AGENT_PORTS.http] },
    labels: { ...(pod?.metadata?.labels ?? {}) },
    token,
  };
}
