// Sets the cluster up for a run, registering how to undo each step as it goes: expired leftovers
// of earlier runs removed, the run namespace created, the pull secret copied, the probe fleet
// deployed and ready, and a way to reach each agent chosen. Returns the context for the suites.
import type { RateBudget } from '../kube/throttle.ts';
import { buildAgentBundle } from '../../agent/build.ts';
import { asOrigin, where, type Diagnosis } from '../diagnose/diagnosis.ts';
import { ShakedownError } from '../errors.ts';
import { deployFleet, fleetApi } from '../fleet/deploy.ts';
import { coverageText, planNodes } from '../fleet/plan.ts';
import { NO_ZONE } from '../kube/topology.ts';
import { chooseProbeImage } from '../fleet/image.ts';
import { copyPullSecret, parseSecretRef, type SecretRef } from '../fleet/pull-secret.ts';
import { apiError } from '../kube/api-errors.ts';
import type { ClusterFacts } from '../kube/preflight.ts';
import type { NodeFacts } from '../kube/nodes.ts';
import { deletionBlocked } from '../diagnose/namespace-deletion.ts';
import type { FleetDescriptor } from '../fleet/descriptor.ts';
import { runNeeds } from '../kube/permissions.ts';
import type { KubeSession } from '../kube/session.ts';
import type { CheckResult } from '../result.ts';
import type { CleanupStack } from '../run/cleanup-stack.ts';
import { runNamespace } from '../run/labels.ts';
import { namespaceApi, removeLeftovers, removeRun, type Removal } from '../run/namespaces.ts';
import { runSubject } from '../run/run-grant.ts';
import { expiryApi, startRenewal } from '../run/renewal.ts';
import type { Settings } from '../settings.ts';
import { createExecTransport, kubeExecRunner } from '../transport/exec.ts';
import { createPodProxyTransport } from '../transport/pod-proxy.ts';
import { selectRoutes } from '../transport/select.ts';
import type { ResolvedOptions, SuiteManifest } from './manifest.ts';
import type { RunContext } from './run-context.ts';
import { detectNetworkPlugin, usesNetworkPlugin } from './network-plugin-service.ts';

// Enough agents for checks that need several endpoints (e.g. load spread over 3).
export const MIN_AGENTS = 3;
export const NAMESPACE_REMOVAL_WAIT_MS = 60_000;

export interface SetupRequest {
  runId: string;
  namespace: string;
  now: Date;
  settings: Settings;
  session: KubeSession;
  facts: ClusterFacts;
  cleanup: CleanupStack;
  // The run's one API rate limit, the engine's session's and every suite worker's.
  rate: RateBudget;
  // The chosen suites: what they need from setup decides what is made (nothing for read-only ones).
  suites: readonly SuiteManifest[];
  // Their options as resolved, handed to the workers.
  options: ResolvedOptions;
  signal: AbortSignal;
  progress: (line: string) => void;
  // Decided at teardown: whether to leave the namespaces for inspection.
  keepNamespaces: () => boolean;
  onNamespaceCreated: () => void;
  // Where the namespace removal reports what it did.
  onRemoval: (removal: Removal | Error, ms: number) => void;
  // false: delete the run's namespaces without waiting for them to go (the profile says so).
  awaitCleanup?: boolean;
  // Said whatever the verbosity: the run's namespaces were deleted by someone else. Default stderr.
  warn?: (line: string) => void;
}

export interface SetupResult {
  context: RunContext;
  findings: CheckResult[];
}

export function pullSecretRef(settings: Settings): SecretRef | undefined {
  if (settings.imagePullSecret === undefined) return undefined;
  try {
    return parseSecretRef(settings.imagePullSecret);
  } catch (error) {
    throw new ShakedownError('SD_BAD_FLAG', `--image-pull-secret ${(error as Error).message}`);
  }
}

export async function setUpCluster(request: SetupRequest): Promise<SetupResult> {
  const { session, settings, facts, namespace, runId, cleanup, progress } = request;
  const ctx = { server: session.server, context: session.target.context };
  const bundle = buildAgentBundle();
  bundle.catch(() => undefined);
  const needs = runNeeds(request.suites);
  // The runner of shakedown deploy binds its run role in every namespace it makes (run/run-grant.ts).
  const grant = settings.runRole === undefined || !needs.namespaces ? undefined : { role: settings.runRole, subject: await runSubject(session.connection) };
  const namespaces = namespaceApi(session.clients, grant);
  // Detected once per run, while the rest of setup goes on, for every suite that uses it.
  const networkPlugin = usesNetworkPlugin(request.suites) ? detectNetworkPlugin(session) : undefined;
  const expiresAt = new Date(request.now.getTime() + settings.namespaceTtl);
  const context = (fleet: RunContext['fleet'], routes: RunContext['routes'], image: RunContext['image'], pullSecret: string | undefined): RunContext => ({
    runId,
    namespace,
    expiresAt: expiresAt.toISOString(),
    kube: session.target,
    rate: request.rate,
    // A node the fleet found broken (fleet.unavailable) takes no pod of any suite: the finding names why.
    cluster: { server: facts.server, version: facts.version, nodes: facts.nodes.map((node) => withheld(node, fleet.unavailable)) },
    fleet,
    routes,
    image,
    pullSecret,
    timeouts: { probeMs: settings.probeTimeout, checkMs: settings.checkTimeout },
    options: request.options,
    ...(grant === undefined ? {} : { grant }),
  });
  const withPlugin = async (result: SetupResult): Promise<SetupResult> =>
    networkPlugin === undefined ? result : { ...result, context: { ...result.context, networkPlugin: await networkPlugin } };
  const image = chooseProbeImage(settings.probeImage, session.target.context);
  const noFleet = { namespace, image: image.image, agents: [], selector: {}, tokenSecret: '' };
  // Read-only suites only: nothing is created, nothing removed (not even expired leftovers).
  if (!needs.namespaces) return withPlugin({ context: context(noFleet, {}, image, undefined), findings: [] });

  // A confined runner may touch nothing of other runs: their leftovers are shakedown cleanup's.
  if (grant === undefined) {
    const leftovers = await removeLeftovers(namespaces, 'expired', request.now, { timeoutMs: 0 }).catch((error: unknown) => {
      throw apiError(error, { ...ctx, action: 'remove expired namespaces of earlier runs' }, 'SD_SETUP_FAILED');
    });
    if (leftovers.selected.length > 0)
      progress(`removed ${leftovers.selected.length} expired namespace(s) of earlier runs: ${leftovers.selected.map((l) => l.name).join(', ')}`);
  }

  request.signal.throwIfAborted();
  await namespaces.create(runNamespace({ name: namespace, runId, expiresAt, purpose: 'probe fleet and suite objects' })).catch((error: unknown) => {
    throw apiError(error, { ...ctx, action: `create namespace ${namespace}` }, 'SD_SETUP_FAILED');
  });
  request.onNamespaceCreated();
  cleanup.push(`delete the namespaces of run ${runId}`, async () => {
    if (request.keepNamespaces()) return;
    const started = performance.now();
    try {
      const until = request.awaitCleanup === false ? 'requested' : 'gone';
      request.onRemoval(
        await removeRun(namespaces, runId, { timeoutMs: NAMESPACE_REMOVAL_WAIT_MS, giveUp: deletionBlocked(session.clients), until }),
        performance.now() - started,
      );
    } catch (error) {
      request.onRemoval(error instanceof Error ? error : new Error(String(error)), performance.now() - started);
    }
  });
  // Renewed while the run lives, so a concurrent run's cleanup never takes it for a crashed one;
  // stopped (unwinding runs in reverse) before the namespaces are deleted.
  const warn = request.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const renewal = startRenewal(expiryApi(session.clients.core, session.connection), {
    runId,
    ttlMs: settings.namespaceTtl,
    log: progress,
    onGone: (_name, detail) =>
      warn(
        `WARNING: ${detail}: the run was cleaned up by someone else (a concurrent run or shakedown cleanup --all); checks from here on may fail for that reason`,
      ),
  });
  cleanup.push(`stop renewing the expiry of run ${runId}`, () => renewal.stop());

  const secretRef = pullSecretRef(settings);
  const pullSecret = secretRef === undefined ? undefined : await copyPullSecret(session.clients.core, secretRef, namespace, runId);

  // Suites with namespaces of their own and no use for the shared fleet get no fleet.
  if (!needs.fleet) return withPlugin({ context: context(noFleet, {}, image, pullSecret), findings: [] });
  // With their zones and pools: the fleet is bounded (fleet/plan.ts).
  const schedulable = planNodes(facts.nodes.filter((node) => node.schedulable));
  progress(`deploying the probe fleet (${image.image}) on ${schedulable.length} node(s)`);
  const fleet = await deployFleet(fleetApi(session.clients.core, session.clients.coordination), {
    namespace,
    runId,
    nodes: schedulable,
    minAgents: MIN_AGENTS,
    // A node whose kubelet or pod network is broken is left out, said as a finding; the rest run.
    partial: true,
    image,
    ...(pullSecret === undefined ? {} : { pullSecret }),
    bundle: await bundle.catch((error: unknown) => {
      throw new ShakedownError('SD_INTERNAL', `cannot bundle the probe agent: ${(error as Error).message}`, { cause: error });
    }),
    timeoutMs: settings.setupTimeout,
    signal: request.signal,
    onWait: progress,
  }).catch((error: unknown) => {
    if (error instanceof ShakedownError || request.signal.aborted) throw error;
    throw apiError(error, { ...ctx, action: 'deploy the probe fleet' }, 'SD_SETUP_FAILED');
  });

  progress(`probe fleet ready: ${coverageText(fleet)}`);
  const unavailable = unavailableFinding(fleet.unavailable ?? []);
  const selection = await selectRoutes({
    choice: settings.transport,
    agents: fleet.agents,
    proxy: createPodProxyTransport(session.connection),
    exec: createExecTransport(kubeExecRunner(session.kc, { throttle: session.connection.throttle })),
    canExec: facts.canExec,
  });

  // What every suite needs about each agent, fetched once: its zone and its resolv.conf.
  const zones = new Map(facts.nodes.map((node) => [node.name, node.topology?.zone === NO_ZONE ? undefined : node.topology?.zone]));
  const agents = fleet.agents.map((agent) => {
    const zone = zones.get(agent.node);
    const resolvConf = selection.infos[agent.name]?.resolvConf;
    return { ...agent, ...(zone === undefined ? {} : { zone }), ...(resolvConf === undefined ? {} : { resolvConf }) };
  });
  return withPlugin({ context: context({ ...fleet, agents }, selection.routes, image, pullSecret), findings: [...unavailable, selection.finding] });
}

function withheld(node: NodeFacts, unavailable: FleetDescriptor['unavailable']): NodeFacts {
  const found = unavailable?.find((entry) => entry.node === node.name);
  return found === undefined ? node : { ...node, schedulable: false, reason: `${where(found.diagnosis)}: ${found.diagnosis.summary}` };
}

export const FLEET_SUITE = 'setup';
export const FLEET_CHECK = 'probe fleet on every schedulable node';

// One failed finding per component at fault (a kubelet on two nodes is two); none when every node took its agents.
export function unavailableFinding(unavailable: readonly { node: string; diagnosis: Diagnosis }[]): CheckResult[] {
  return unavailable.map(({ node, diagnosis }) => ({
    suite: FLEET_SUITE,
    check: FLEET_CHECK,
    status: 'fail',
    classification: 'missing',
    durationMs: 0,
    message: `no probe agent on ${node}: ${where(diagnosis)} is at fault (${diagnosis.confidence} confidence); checks ran on the other nodes`,
    evidence: [
      { label: `what ${node} shows`, text: diagnosis.evidence.join('\n') },
      ...(diagnosis.hint === undefined ? [] : [{ label: 'what to check', text: diagnosis.hint }]),
    ],
    likelyCause: diagnosis.summary,
    origin: asOrigin(diagnosis),
    ...(diagnosis.reproduce === undefined ? {} : { reproduce: diagnosis.reproduce }),
  }));
}
