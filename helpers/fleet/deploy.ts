// Deploys the probe fleet into the run namespace and waits until every agent is ready: first the
// Secret holding the run's fresh API token, then the agent's ConfigMap, then the pods. While it
// waits, what the cluster shows (Leases, node conditions, events: diagnose/) names the component
// at fault: a cluster-wide one (scheduler, controller-manager) ends the wait at once; a node's
// (its kubelet, its pod network) drops that node's agents when the fleet may run without them.
// A pod that cannot become ready ends the wait with SD_SETUP_FAILED naming the component or the
// pod, its node and the reason, with its warning events and the tail of its log as details.
import type { CoordinationV1Api, CoreV1Api, CoreV1Event, V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { byWeight, type Diagnosis } from '../diagnose/diagnosis.ts';
import { diagnosePods, UNSCHEDULED_GRACE_MS } from '../diagnose/pods.ts';
import { signalsApi, type Signals } from '../diagnose/signals.ts';
import { createExplained, diagnosisError, errorText } from '../diagnose/wait.ts';
import { ShakedownError } from '../errors.ts';
import { AGENT_PORTS, type FleetDescriptor, type ProbeAgent } from './descriptor.ts';
import type { ImageChoice } from './image.ts';
import { AGENT_CONTAINER, AGENT_TOKEN_SECRET, agentConfigMap, agentTokenSecret, fleetSelector, newAgentToken, probePod } from './manifests.ts';
import { planBoundedFleet, type PlanNode, type PlannedAgent } from './plan.ts';
import { judgePod, warningLines, type PodVerdict } from './readiness.ts';

export interface FleetApi {
  createSecret(secret: V1Secret): Promise<void>;
  createConfigMap(configMap: V1ConfigMap): Promise<void>;
  createPod(pod: V1Pod): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  podEvents(namespace: string, pod: string): Promise<CoreV1Event[]>;
  podLogTail(namespace: string, pod: string, lines: number): Promise<string>;
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
    podEvents: async (namespace, pod) => (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}` })).items,
    podLogTail: async (namespace, pod, lines) => core.readNamespacedPodLog({ namespace, name: pod, container: AGENT_CONTAINER, tailLines: lines }),
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

const selectorText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

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
  const { pods, dropped } = await waitReady(api, options, plan);
  const selector = fleetSelector(options.runId);
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
      const refusedByAdmission = /PodSecurity|admission webhook|denied the request|exceeded quota/i.test(message);
      throw new ShakedownError('SD_SETUP_FAILED', `cannot create the ${what}: ${refusedByAdmission ? 'admission refused it: ' : ''}${message}`, {
        cause: error,
        ...(refusedByAdmission ? { hint: 'An admission policy (Pod Security, a ResourceQuota or a webhook, named above) refused the probe pod; allow Pod Security "restricted" pods in namespaces labelled app.kubernetes.io/managed-by=shakedown.' } : {}),
      });
    }
  };
}

interface Waited {
  pods: Map<string, V1Pod>;
  // Nodes left out, with the diagnosis that named them.
  dropped: Map<string, Diagnosis>;
}

async function waitReady(api: FleetApi, options: DeployOptions, plan: readonly PlannedAgent[]): Promise<Waited> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  const selector = selectorText(fleetSelector(options.runId));
  const dropped = new Map<string, Diagnosis>();
  let diagnoses: Diagnosis[] = [];
  let lastRead = -Infinity;
  // Nothing can be told before pods are this old (diagnose/pods.ts): the signals are not read sooner.
  const firstRead = now() + UNSCHEDULED_GRACE_MS;
  let said = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const pods = new Map((await api.listPods(options.namespace, selector)).map((pod) => [pod.metadata?.name ?? '', pod]));
    const verdicts = plan.filter((agent) => !dropped.has(agent.node)).map((agent) => ({ agent, pod: pods.get(agent.name), verdict: verdictOf(pods.get(agent.name)) }));
    const notReady = verdicts.filter(({ verdict }) => !verdict.ready);
    if (notReady.length === 0) return { pods, dropped };
    const waiting = waitLine(verdicts.length, notReady);
    if (waiting !== said) options.onWait?.((said = waiting));
    const fatal = notReady.filter(({ verdict }) => verdict.fatal);
    if (fatal.length > 0) throw await notReadyError(api, options, fatal, false, []);
    if (api.signals !== undefined && now() >= firstRead && now() - lastRead >= (options.diagnoseEveryMs ?? 3000)) {
      lastRead = now();
      const signals = await api.signals(options.namespace).catch(() => undefined);
      diagnoses = signals === undefined ? [] : diagnosePods(notReady.flatMap(({ agent, pod }) => (pod === undefined ? [] : [{ name: agent.name, pod }])), signals).sort(byWeight);
      for (const diagnosis of diagnoses.filter((d) => d.fatal)) {
        const node = diagnosis.node;
        const others = verdicts.filter(({ agent }) => agent.node !== node && !dropped.has(agent.node));
        if (node === undefined || options.partial !== true || others.length === 0) throw diagnosisError(diagnosis, undefined, diagnoses.filter((d) => d !== diagnosis));
        dropped.set(node, diagnosis);
      }
    }
    if (now() >= deadline) throw await notReadyError(api, options, notReady, true, diagnoses);
    await sleep(options.pollMs ?? 500);
  }
}

// "waiting for 3 probe pods: 1 ready (probe-node2-0: ContainerCreating)".
export function waitLine(total: number, notReady: readonly { agent: { name: string }; verdict: PodVerdict }[]): string {
  const [first] = notReady;
  const why = first === undefined ? '' : ` (${first.agent.name}: ${first.verdict.reason ?? 'not ready'}${notReady.length > 1 ? ', …' : ''})`;
  return `waiting for ${total} probe pod${total === 1 ? '' : 's'}: ${total - notReady.length} ready${why}`;
}

function verdictOf(pod: V1Pod | undefined): PodVerdict {
  return pod === undefined ? { ready: false, fatal: false, reason: 'not found' } : judgePod(pod);
}

interface Stuck {
  agent: PlannedAgent;
  pod: V1Pod | undefined;
  verdict: PodVerdict;
}

async function notReadyError(api: FleetApi, options: DeployOptions, stuck: readonly Stuck[], timedOut: boolean, diagnoses: readonly Diagnosis[]): Promise<ShakedownError> {
  // What the cluster's signals named, even when no sign was strong enough to end the wait early.
  const [named, ...rest] = diagnoses;
  if (named !== undefined) return diagnosisError(named, undefined, rest);
  const details: string[] = [];
  for (const { agent, verdict } of stuck) {
    const [events, log] = await Promise.all([
      api.podEvents(options.namespace, agent.name).then(warningLines, () => []),
      api.podLogTail(options.namespace, agent.name, 10).catch(() => ''),
    ]);
    details.push(`pod ${options.namespace}/${agent.name} on node ${agent.node}: ${verdict.reason ?? 'not ready'}`);
    for (const line of events) details.push(`  event ${line}`);
    for (const line of log.trim().split('\n').filter((l) => l !== '')) details.push(`  log ${line}`);
  }
  const [first] = stuck;
  const lastEvent = details.find((line) => line.startsWith('  event '))?.slice('  event '.length);
  const reason = first?.verdict.reason ?? 'not ready';
  const others = stuck.length > 1 ? ` (and ${stuck.length - 1} more probe pod${stuck.length > 2 ? 's' : ''})` : '';
  const lead = timedOut ? `not ready after ${Math.round(options.timeoutMs / 1000)} s` : 'cannot become ready';
  const message = `probe pod ${first?.agent.name} on node ${first?.agent.node} ${lead}: ${reason}${lastEvent !== undefined && !reason.includes(lastEvent) ? `; last event ${lastEvent}` : ''}${others}`;
  return new ShakedownError('SD_SETUP_FAILED', message, {
    details: [`image ${options.image.image} (${options.image.why}, pull policy ${options.image.pullPolicy})`, ...details].join('\n'),
    hint: hintFor(reason, options.image.image),
  });
}

function hintFor(reason: string, image: string): string {
  if (/ImagePull|ErrImageNeverPull|InvalidImageName/.test(reason)) {
    return `The nodes cannot get ${image}: mirror it (shakedown images lists it) and pass --probe-image, with --image-pull-secret if the registry needs credentials.`;
  }
  if (/not scheduled/.test(reason)) return 'The scheduler cannot place the pod on its node: check the node\'s taints, free resources and ResourceQuotas.';
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
