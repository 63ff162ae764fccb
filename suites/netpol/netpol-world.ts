// The NetworkPolicy suite's own world, built once per run and shared by its checks: the namespaces
// of its model (one x per lane, x1, x2, ..., and the shared y, z; labelled with the run id so the
// run's cleanup removes them) with the model's agent pods in each (a, b, c), reached through one long-lived exec per pod so that no policy
// can cut the control path (it talks to the agent on 127.0.0.1 inside the pod). Every exec opens
// through the session's rate limit, with a deadline and a backoff (transport/exec-open.ts). The
// agents answer only the run's token: each namespace gets the token Secret, mounted into its pods.
// Also the detected network plugin and the cluster DNS server the pods use. The model is the one
// the run's checks need (world-model.ts): 2 x 2 on one lane when only the verdict runs, else 3 x 3
// on LANES lanes. Each lane's view (lanes.ts) is a World of its own, as the checks use it.
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { signalsApi, type SignalsApi } from '../../helpers/diagnose/signals.ts';
import { createExplained, errorText, waitPodsReady } from '../../helpers/diagnose/wait.ts';
import { ShakedownError } from '../../helpers/errors.ts';
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { ImageChoice } from '../../helpers/fleet/image.ts';
import { AGENT_CONFIGMAP, AGENT_CONTAINER, AGENT_FILE, agentTokenSecret } from '../../helpers/fleet/manifests.ts';
import type { KubeSession } from '../../helpers/kube/session.ts';
import type { ReachModel } from './model.ts';
import { detectPlugin, readPluginFacts, type Plugin } from '../../helpers/kube/network-plugin.ts';
import { NETPOL_API_PORT, netpolPod } from './pods.ts';
import { laneView, namespaceName } from './lanes.ts';
import { namespaceLabels, type Resolver } from './policy.ts';
import type { TablePod } from './probe.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runNamespace } from '../../helpers/run/labels.ts';
import { createRunNamespace } from '../../helpers/run/namespaces.ts';
import type { RunGrant } from '../../helpers/run/run-grant.ts';
import { createExecTransport, kubeExecRunner } from '../../helpers/transport/exec.ts';
import { createExecGate } from '../../helpers/transport/exec-open.ts';
import { createExecSessionTransport, kubeChannelOpener } from '../../helpers/transport/exec-session.ts';
import type { AgentAddress, ProbeTransport } from '../../helpers/transport/transport.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import manifest from './manifest.ts';
import { laneNamespace, MODEL, worldModelFor, worldNamespaces, worldPlacement } from './world-model.ts';
const READY_BUDGET_MS = 120_000;

// One lane's view of the world: the model's namespaces and pods, x being the lane's own.
export interface World {
  model: ReachModel;
  pods: TablePod[];
  // Logical -> real ("x" -> "<run>-np-x2").
  namespaces: Map<string, string>;
  resolver: Resolver;
  transport: ProbeTransport;
  plugin: Plugin;
  dnsServer: string | undefined;
  clusterDomain: string;
  // Time to build the world.
  setupMs: number;
}

export { namespaceName };

// The world as built: the first lane's view, ready (the verdict's; one lane is all the benchmark
// needs), every namespace it made, and how to build the further lanes: their pods are made when
// asked (the first time; later calls return the same promises), so that the first lane's pods and
// baseline do not share the nodes' start-up with them. Each resolves when its lane is ready; one
// that cannot be built rejects, the others go on.
export interface LanedWorld extends World {
  moreLanes(): readonly Promise<World>[];
  // By the world's names: "x2" -> "<run>-np-x2", "y" -> "<run>-np-y".
  worldNamespaces: ReadonlyMap<string, string>;
}

// The world for the run's checks (the suite's state builds it once: netpol-state.ts).
export async function buildWorld(c: CheckContext): Promise<LanedWorld> {
  const { session } = await c.cluster();
  const core = session.clients.core;
  const configMap = await core.readNamespacedConfigMap({ name: AGENT_CONFIGMAP, namespace: c.run.namespace });
  const secret = c.run.pullSecret === undefined ? undefined : await core.readNamespacedSecret({ name: c.run.pullSecret, namespace: c.run.namespace });
  // The run's agent token, as the shared fleet's agents hold it.
  const token = c.run.fleet.agents.find((agent) => agent.token !== '')?.token;
  if (token === undefined) throw new Error(`no agent token: the probe fleet in ${c.run.namespace} has no agents`);
  const chosen = worldModelFor(c.run.checks?.[manifest.name], suiteOptions(c.run, manifest).lanes);
  c.log(
    `world: ${chosen.name} model, ${chosen.model.namespaces.length} namespaces x ${chosen.model.pods.length} pods on ${chosen.lanes} lane(s)${c.run.checks?.[manifest.name] === undefined ? '' : ' (the checks the profile chose)'}`,
  );
  const built = await deployWorld({
    model: chosen.model,
    lanes: chosen.lanes,
    session,
    runId: c.run.runId,
    expiresAt: new Date(c.run.expiresAt),
    nodes: c.run.cluster.nodes.filter((node) => node.schedulable).map((node) => node.name),
    image: c.run.image,
    bundle: configMap.data?.[AGENT_FILE] ?? '',
    token,
    ...(secret === undefined ? {} : { pullSecret: secret }),
    signal: c.signal,
    log: (line) => c.log(line),
    ...(c.run.networkPlugin === undefined ? {} : { plugin: c.run.networkPlugin }),
    ...(c.run.grant === undefined ? {} : { grant: c.run.grant }),
  });
  return built;
}

export interface DeployWorldOptions {
  // Namespaces x pods x ports to build; the full 3 x 3 (MODEL) when absent.
  model?: ReachModel;
  // Policed namespaces (x1, x2, ...), one per lane; 1 when absent.
  lanes?: number;
  session: KubeSession;
  runId: string;
  expiresAt: Date;
  nodes: readonly string[];
  image: Pick<ImageChoice, 'image' | 'pullPolicy'>;
  // The agent bundle (agent.mjs).
  bundle: string;
  // The run's agent API token: a Secret in each namespace, mounted into the pods.
  token: string;
  // Copied into each namespace when the image needs it.
  pullSecret?: V1Secret;
  signal?: AbortSignal;
  log?: (line: string) => void;
  // The plugin the engine detected for the run; read here when absent (the benchmark).
  plugin?: Plugin;
  // The runner of shakedown deploy binds its run role in each namespace it makes (run-grant.ts).
  grant?: RunGrant;
}

// Creates the namespaces and pods, waits until every pod is ready, and learns their IPs, the
// plugin and the DNS server. Also used by the benchmark, outside any check.
export async function deployWorld(options: DeployWorldOptions): Promise<LanedWorld> {
  const started = performance.now();
  const { session, runId } = options;
  const core = session.clients.core;
  const log = options.log ?? (() => undefined);
  const pluginFacts = options.plugin === undefined ? readPluginFacts(session.connection, core) : undefined;
  pluginFacts?.catch(() => undefined);
  if (options.nodes.length === 0) throw new Error('no schedulable node for the NetworkPolicy pods');
  const secretName = options.pullSecret?.metadata?.name;
  const model = options.model ?? MODEL;
  const lanes = Math.max(1, options.lanes ?? 1);
  const nodeOf = worldPlacement(model, lanes, options.nodes);
  // By the world's names: "x2" -> "<run>-np-x2".
  const namespaces = new Map(worldNamespaces(model, lanes).map((world) => [world, namespaceName(runId, world)]));
  // The first lane's namespaces (x1 and the shared ones), then one x per further lane.
  const later = new Set(Array.from({ length: lanes - 1 }, (_, k) => laneNamespace(k + 1)));
  const first = [...namespaces.keys()].filter((world) => !later.has(world));
  const signals = signalsApi(core, session.clients.coordination);

  // A namespace with what its pods mount (independent objects, at once).
  const prepare = async (world: string, name: string) => {
    const ns = runNamespace({ name, runId, expiresAt: options.expiresAt, purpose: `NetworkPolicy truth table, namespace ${world}` });
    // Its own label value ("x2"): a lane's namespace selector for x selects its own x only.
    ns.metadata = { ...ns.metadata, labels: { ...ns.metadata?.labels, ...namespaceLabels(runId, world) } };
    await create(`namespace ${name}`, () => createRunNamespace(session.clients, ns, options.grant));
    const make = creating(name, signals);
    log(`created namespace ${name}`);
    const meta = { namespace: name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId } };
    const secret = options.pullSecret;
    await Promise.all([
      make(`Secret ${name}/agent token`, () => core.createNamespacedSecret({ namespace: name, body: agentTokenSecret(name, runId, options.token) })),
      make(`ConfigMap ${name}/${AGENT_CONFIGMAP}`, () =>
        core.createNamespacedConfigMap({ namespace: name, body: { metadata: { ...meta, name: AGENT_CONFIGMAP }, data: { [AGENT_FILE]: options.bundle } } }),
      ),
      ...(secret === undefined || secretName === undefined
        ? []
        : [
            make(`Secret ${name}/${secretName}`, () =>
              core.createNamespacedSecret({
                namespace: name,
                body: { metadata: { ...meta, name: secretName }, type: secret.type ?? '', data: secret.data ?? {} },
              }),
            ),
          ]),
    ]);
  };
  const createPods = async (world: string) => {
    const name = namespaces.get(world) ?? '';
    const make = creating(name, signals);
    await Promise.all(
      model.pods.map((pod) =>
        make(`pod ${name}/${pod}`, () =>
          core.createNamespacedPod({
            namespace: name,
            body: netpolPod({
              name: pod,
              namespace: name,
              logicalNamespace: world,
              runId,
              node: nodeOf.get(`${world}/${pod}`) ?? '',
              image: options.image.image,
              pullPolicy: options.image.pullPolicy,
              ...(secretName === undefined ? {} : { pullSecret: secretName }),
            }),
          }),
        ),
      ),
    );
    log(`created pods ${name}: ${model.pods.join(', ')}`);
  };
  // Every namespace at once (cheap); the first lane's pods as soon as theirs is made.
  const prepared = new Map([...namespaces].map(([world, name]) => [world, prepare(world, name)]));
  for (const done of prepared.values()) done.catch(() => undefined);
  await Promise.all(first.map(async (world) => (await prepared.get(world), await createPods(world))));

  // One long-lived exec per pod: loopback inside the pod, beyond the reach of any policy.
  // One gate for both: the session's rate limit, and one backoff per pod whichever way it is asked.
  const gate = createExecGate({ throttle: session.connection.throttle });
  const transport = createExecSessionTransport(kubeChannelOpener(session.kc, { gate }), createExecTransport(kubeExecRunner(session.kc, { gate })));
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const addressOf = (pod: V1Pod): AgentAddress => ({
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    ports: { api: NETPOL_API_PORT },
    token: options.token,
    node: pod.spec?.nodeName ?? '',
  });
  // A pod's session opens as soon as its agent container runs (an exec needs no more), while the
  // other pods still start: a call through it opens it, and its answer (the agent may not listen
  // yet) does not matter. A session that fails to open is opened again when first used.
  const opening = new Set<string>();
  const openEarly = (listed: readonly V1Pod[]) => {
    for (const pod of listed) {
      const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
      if (opening.has(key) || pod.status?.containerStatuses?.find((status) => status.name === AGENT_CONTAINER)?.state?.running === undefined) continue;
      opening.add(key);
      transport.info(addressOf(pod), call).catch(() => undefined);
    }
  };
  const worldOf = new Map([...namespaces].map(([world, name]) => [name, world]));
  // The pods of these namespaces once ready, by the world's ids, with their sessions open (the
  // first pod's answer gives the DNS facts). A session that does not open here is left to the
  // table, which says per cell why it was not observed.
  const ready = async (worlds: readonly string[]) => {
    const names = worlds.map((world) => namespaces.get(world) ?? '');
    // Until ready, or until the cluster's signals name the component at fault (scheduler, a kubelet).
    const listed = await waitPodsReady({
      list: async () => {
        const pods = (await Promise.all(names.map(async (ns) => (await core.listNamespacedPod({ namespace: ns })).items))).flat();
        openEarly(pods);
        return pods;
      },
      expected: names.length * model.pods.length,
      namespace: names[0] ?? '',
      signals,
      what: 'NetworkPolicy pods',
      timeoutMs: READY_BUDGET_MS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const readyMs = performance.now() - started;
    const pods: TablePod[] = listed.map((pod: V1Pod) => ({
      id: `${worldOf.get(pod.metadata?.namespace ?? '')}/${pod.metadata?.name ?? ''}`,
      ip: pod.status?.podIP ?? '',
      address: addressOf(pod),
    }));
    pods.sort((a, b) => a.id.localeCompare(b.id));
    const [head, ...others] = pods;
    const [info] = await Promise.all([
      head === undefined ? undefined : transport.info(head.address, call),
      ...others.map((pod) => transport.info(pod.address, call).catch(() => undefined)),
    ]);
    log(
      `NetworkPolicy pods of ${worlds.join(', ')} ready after ${Math.round(readyMs)}ms, their exec sessions open after ${Math.round(performance.now() - started)}ms: ${pods.map((p) => `${p.id}=${p.ip}`).join(', ')}`,
    );
    return { pods, info };
  };

  let built: { pods: TablePod[]; info: Awaited<ReturnType<typeof ready>>['info'] };
  try {
    built = await ready(first);
  } catch (error) {
    // Nothing of a world that was not built stays open.
    await transport.close();
    throw error;
  }
  const plugin = options.plugin ?? detectPlugin(await (pluginFacts ?? readPluginFacts(session.connection, core)));
  const shared = {
    transport,
    plugin,
    dnsServer: built.info?.resolvConf.nameservers[0],
    clusterDomain: built.info?.resolvConf.search.find((entry) => entry.startsWith('svc.'))?.slice('svc.'.length) ?? 'cluster.local',
    setupMs: performance.now() - started,
  };
  const viewOf = (lane: number, pods: readonly TablePod[]): World => ({ ...laneView({ model, runId, namespaces, pods }, lane), ...shared });
  let more: Promise<World>[] | undefined;
  const moreLanes = () => {
    more ??= [...later].map(async (world, k) => {
      await prepared.get(world);
      await createPods(world);
      const { pods } = await ready([world]);
      return viewOf(k + 1, [...built.pods, ...pods]);
    });
    for (const lane of more) lane.catch(() => undefined);
    return more;
  };
  return { ...viewOf(0, built.pods), moreLanes, worldNamespaces: namespaces };
}

// Creating in a namespace of the world: a pod refused for want of the namespace's default
// ServiceAccount is asked again while the controller-manager runs, and names it when it does not.
function creating(namespace: string, signals: SignalsApi) {
  return async (what: string, action: () => Promise<unknown>): Promise<void> => {
    try {
      await createExplained(action, { namespace, signals });
    } catch (error) {
      if (error instanceof ShakedownError) throw error;
      throw new Error(`cannot create ${what}: ${errorText(error)}`, { cause: error });
    }
  };
}

async function create(what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    throw new Error(`cannot create ${what}: ${errorText(error)}`, { cause: error });
  }
}
