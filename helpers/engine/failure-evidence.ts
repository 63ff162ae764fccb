// The engine owns the failure path: when a check fails or warns, it attaches what a person would
// look at next, read from the cluster, so suites do not write their own failWith… helpers.
//
// How a suite uses it: tell the check context which objects the check touched, and fail as usual
// (instead of a failWith… helper that reads the objects itself). The nodes a failure's origin names
// (source-node, target-node) are described without being tracked (check.ts originNodes).
//
//   const service = c.track(await core.createNamespacedService({ namespace, body }));  // a created object
//   c.track({ kind: 'Pod', namespace: 'kube-system', name: corednsPod });               // or a reference
//   c.fail('refused', 'expected 3 replicas to answer, 2 did', { origin });
//
// On fail or warn the engine adds, for every tracked object (at most MAX_OBJECTS): its state (a
// Service's type, ports and endpoints with the pods and nodes behind them; a Pod's node, phase,
// conditions and container states with the reason judgePod gives; a Node's conditions, taints and
// kubelet; a NetworkPolicy's selector and rules), its recent events (Warning first), and the last
// log lines of every pod involved that is not ready or has restarted (the previous container's
// too, which shows the crash), including the not-ready pods behind a tracked Service. Everything is bounded in size and time; a read that
// fails or runs out of time becomes a line saying what could not be collected, never a failure of
// the check's reporting.
import type { CoreV1Api, DiscoveryV1Api, NetworkingV1Api, V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { judgePod } from '../fleet/readiness.ts';
import { eventsAbout, LOG_TAIL_LINES, logTailEvidence, MAX_TEXT, orderEvents } from '../objects/pod-output.ts';
import type { Evidence } from '../result.ts';

export interface ObjectRef {
  kind: string;
  name: string;
  // The run namespace when absent.
  namespace?: string;
}

export interface EvidenceApi {
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
  networking: NetworkingV1Api;
}

export interface CollectOptions {
  // Where a reference without a namespace lives (the run namespace).
  namespace: string;
  // The whole collection stops after this long; what is missing is named.
  deadlineMs?: number;
}

// Kinds without a namespace; a reference's namespace is ignored for them.
const CLUSTER_SCOPED = new Set(['Node', 'Namespace']);
export const MAX_OBJECTS = 8;
// Pods behind a tracked Service described besides the tracked objects (the not-ready ones).
export const MAX_EXTRA_PODS = 4;
export const MAX_EVENTS = 5;
const DEFAULT_DEADLINE_MS = 8000;
const CONCURRENCY = 4;

type Resolved = Required<ObjectRef>;

interface Collected {
  evidence: Evidence[];
  // Pods this object involves (a Service's not-ready endpoints) to describe too.
  pods: Resolved[];
}

// A ref or a Kubernetes object as an API call returned it; undefined when it names no object.
export function toRef(object: ObjectRef | { kind?: string; metadata?: { name?: string; namespace?: string } }): ObjectRef | undefined {
  if ('name' in object && typeof object.name === 'string') return object;
  const meta = 'metadata' in object ? object.metadata : undefined;
  if (typeof object.kind !== 'string' || meta?.name === undefined) return undefined;
  return { kind: object.kind, name: meta.name, ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }) };
}

export async function collectFailureEvidence(api: EvidenceApi, refs: readonly ObjectRef[], options: CollectOptions): Promise<Evidence[]> {
  const unique = new Map<string, Resolved>();
  for (const ref of refs) {
    const resolved = { kind: ref.kind, name: ref.name, namespace: CLUSTER_SCOPED.has(ref.kind) ? '' : (ref.namespace ?? options.namespace) };
    unique.set(key(resolved), resolved);
  }
  const all = [...unique.values()];
  const chosen = all.slice(0, MAX_OBJECTS);
  const notes: string[] = [];
  if (all.length > chosen.length)
    notes.push(`${all.length - chosen.length} more tracked object(s) not described: ${all.slice(MAX_OBJECTS).map(name).join(', ')}`);

  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const done = new Map<string, Evidence[]>();
  const limit = pLimit(CONCURRENCY);
  const described = new Set(chosen.map(key));
  const names = new Map([...unique.values()].map((object) => [key(object), name(object)]));
  const describeAll = async (objects: Resolved[]): Promise<void> => {
    const collected = await Promise.all(
      objects.map((object) =>
        limit(async () => {
          const result = await describe(api, object);
          done.set(key(object), result.evidence);
          return result;
        }),
      ),
    );
    const pods = collected.flatMap((result) => result.pods).filter((pod) => !described.has(key(pod)));
    const extra = [...new Map(pods.map((pod) => [key(pod), pod])).values()].slice(0, MAX_EXTRA_PODS);
    for (const pod of extra) {
      described.add(key(pod));
      names.set(key(pod), name(pod));
    }
    if (extra.length > 0) await describeAll(extra);
  };

  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    describeAll(chosen).then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
  if (!finished) {
    limit.clearQueue();
    const missing = [...described].filter((k) => !done.has(k));
    notes.push(`collection stopped after ${deadlineMs}ms; not collected: ${missing.map((k) => names.get(k) ?? k).join(', ') || 'nothing'}`);
  }
  const evidence = [...described].flatMap((k) => done.get(k) ?? []);
  if (notes.length > 0) evidence.push({ label: 'failure evidence', text: notes.join('\n') });
  return evidence.map((item) => ({ label: item.label, text: bound(item.text) }));
}

async function describe(api: EvidenceApi, object: Resolved): Promise<Collected> {
  const [state, events] = await Promise.all([
    describeState(api, object).catch((error: unknown): Collected & { lines: string[] } => ({
      lines: [`could not read: ${errorText(error)}`],
      evidence: [],
      pods: [],
    })),
    eventLines(api.core, object).catch((error: unknown) => [`could not read events: ${errorText(error)}`]),
  ]);
  const text = [...state.lines, ...(events.length === 0 ? ['events: none'] : ['events:', ...events.map((line) => `  ${line}`)])].join('\n');
  return { evidence: [{ label: name(object), text }, ...state.evidence], pods: state.pods };
}

async function describeState(api: EvidenceApi, object: Resolved): Promise<Collected & { lines: string[] }> {
  switch (object.kind) {
    case 'Pod':
      return describePod(api.core, await api.core.readNamespacedPod({ namespace: object.namespace, name: object.name }));
    case 'Service':
      return describeService(api, object);
    case 'Node':
      return describeNode(api.core, object.name);
    case 'NetworkPolicy': {
      const policy = await api.networking.readNamespacedNetworkPolicy({ namespace: object.namespace, name: object.name });
      const spec = policy.spec;
      return {
        lines: [
          `podSelector ${JSON.stringify(spec?.podSelector?.matchLabels ?? {})}, policyTypes ${(spec?.policyTypes ?? []).join(',') || 'none'}`,
          `${spec?.ingress?.length ?? 0} ingress rule(s), ${spec?.egress?.length ?? 0} egress rule(s)`,
        ],
        evidence: [],
        pods: [],
      };
    }
    default:
      return { lines: [], evidence: [], pods: [] };
  }
}

async function describePod(core: CoreV1Api, pod: V1Pod): Promise<Collected & { lines: string[] }> {
  const namespace = pod.metadata?.namespace ?? '';
  const podName = pod.metadata?.name ?? '';
  const verdict = judgePod(pod);
  const status = pod.status;
  const lines = [
    `on node ${pod.spec?.nodeName ?? '(not scheduled)'}, IP ${status?.podIP ?? 'none'}, phase ${status?.phase ?? 'unknown'}, ${verdict.ready ? 'ready' : `not ready: ${verdict.reason ?? 'unknown reason'}`}`,
  ];
  for (const condition of status?.conditions ?? []) {
    if (condition.status !== 'True')
      lines.push(
        `condition ${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason}${condition.message ? `: ${condition.message}` : ''})` : ''}`,
      );
  }
  const evidence: Evidence[] = [];
  const logs: Promise<Evidence>[] = [];
  for (const container of status?.containerStatuses ?? []) {
    const state = container.state;
    const now = state?.running
      ? 'running'
      : state?.waiting
        ? `waiting (${state.waiting.reason ?? ''}${state.waiting.message ? `: ${state.waiting.message}` : ''})`
        : state?.terminated
          ? `terminated (exit code ${state.terminated.exitCode}${state.terminated.reason ? `, ${state.terminated.reason}` : ''})`
          : 'unknown';
    const last = container.lastState?.terminated;
    lines.push(
      `container ${container.name}: ${now}, ready ${container.ready}, ${container.restartCount} restart(s)${last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : ''}`,
    );
    if (!verdict.ready || container.restartCount > 0) {
      logs.push(logTailEvidence(core, { namespace, name: podName, container: container.name }));
      if (container.restartCount > 0) logs.push(logTailEvidence(core, { namespace, name: podName, container: container.name }, { previous: true }));
    }
  }
  evidence.push(...(await Promise.all(logs)));
  return { lines, evidence, pods: [] };
}

async function describeService(api: EvidenceApi, object: Resolved): Promise<Collected & { lines: string[] }> {
  const [service, slices] = await Promise.all([
    api.core.readNamespacedService({ namespace: object.namespace, name: object.name }),
    api.discovery
      .listNamespacedEndpointSlice({ namespace: object.namespace, labelSelector: `kubernetes.io/service-name=${object.name}` })
      .catch((error: unknown) => error as Error),
  ]);
  const spec = service.spec;
  const ports = (spec?.ports ?? []).map(
    (port) =>
      `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol ?? 'TCP'}->${port.targetPort ?? port.port}${port.nodePort ? ` nodePort ${port.nodePort}` : ''}`,
  );
  const lines = [
    `${spec?.type ?? 'ClusterIP'} ${spec?.clusterIP ?? ''}, ports ${ports.join(', ') || 'none'}, selector ${JSON.stringify(spec?.selector ?? {})}${spec?.sessionAffinity && spec.sessionAffinity !== 'None' ? `, sessionAffinity ${spec.sessionAffinity}` : ''}${spec?.externalTrafficPolicy ? `, externalTrafficPolicy ${spec.externalTrafficPolicy}` : ''}`,
  ];
  if (slices instanceof Error) return { lines: [...lines, `endpoints: could not read EndpointSlices: ${errorText(slices)}`], evidence: [], pods: [] };
  const { endpointLines, pods } = endpointsOf(slices.items, object.namespace);
  lines.push(
    ...(endpointLines.length === 0 ? ['endpoints: none (no EndpointSlice lists an address)'] : ['endpoints:', ...endpointLines.map((line) => `  ${line}`)]),
  );
  return { lines, evidence: [], pods };
}

function endpointsOf(slices: readonly V1EndpointSlice[], namespace: string): { endpointLines: string[]; pods: Resolved[] } {
  const endpointLines: string[] = [];
  const pods: Resolved[] = [];
  for (const slice of slices) {
    const ports = (slice.ports ?? []).map((port) => `${port.name ? `${port.name}=` : ''}${port.port}/${port.protocol ?? 'TCP'}`).join(',');
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready !== false;
      const target = endpoint.targetRef;
      endpointLines.push(
        `${endpoint.addresses.join(',')} ${ports} ${ready ? 'ready' : 'not ready'}${target ? ` ${target.kind ?? ''} ${target.name ?? ''}`.trimEnd() : ''}${endpoint.nodeName ? ` on ${endpoint.nodeName}` : ''}`,
      );
      if (!ready && target?.kind === 'Pod' && target.name !== undefined)
        pods.push({ kind: 'Pod', name: target.name, namespace: target.namespace ?? namespace });
    }
  }
  return { endpointLines, pods };
}

// A node's state: what is wrong with its conditions (Ready not True, a pressure or network condition
// True), whether it takes pods, its kubelet and address.
async function describeNode(core: CoreV1Api, nodeName: string): Promise<Collected & { lines: string[] }> {
  const node = await core.readNode({ name: nodeName });
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const address = node.status?.addresses?.find((entry) => entry.type === 'InternalIP')?.address ?? 'no InternalIP';
  const lines = [
    `${ready?.status === 'True' ? 'Ready' : `not Ready (${ready?.reason ?? 'no Ready condition'}${ready?.message ? `: ${ready.message}` : ''})`}, ${address}, kubelet ${node.status?.nodeInfo?.kubeletVersion ?? 'unknown'}${node.spec?.unschedulable ? ', cordoned (unschedulable)' : ''}`,
  ];
  for (const condition of conditions) {
    if (condition.type !== 'Ready' && condition.status === 'True')
      lines.push(`condition ${condition.type}=True${condition.reason ? ` (${condition.reason}${condition.message ? `: ${condition.message}` : ''})` : ''}`);
  }
  for (const taint of node.spec?.taints ?? []) lines.push(`taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`);
  return { lines, evidence: [], pods: [] };
}

async function eventLines(core: CoreV1Api, object: Resolved): Promise<string[]> {
  return orderEvents(await eventsAbout(core, object))
    .slice(0, MAX_EVENTS)
    .map((event) => `${event.type ?? 'Normal'} ${event.reason ?? ''}${(event.count ?? 1) > 1 ? ` (x${event.count})` : ''}: ${event.message ?? ''}`.trim());
}

export { LOG_TAIL_LINES, MAX_TEXT, orderEvents };

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    const body = 'body' in error ? error.body : undefined;
    let message: string | undefined;
    try {
      message = (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined))?.message;
    } catch {
      message = undefined;
    }
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? (error.message.split('\n', 1)[0] ?? '') : String(error);
}

function bound(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters cut)`;
}

function key(object: Resolved): string {
  return `${object.kind}\0${object.namespace}/${object.name}`;
}

function name(object: Resolved): string {
  return object.namespace === '' ? `${object.kind} ${object.name}` : `${object.kind} ${object.namespace}/${object.name}`;
}
