// `shakedown deploy --apply` and `--wait` against the cluster. --wait waits for the runner pod's
// container to start (bounded by --setup-timeout; an image that cannot be pulled, a pod nobody
// schedules or a Job that cannot make its pod is said at once, with the reason), prints its log as
// it runs, waits for the container to end (the Job's deadline bounds the run), reads the reports
// packed at the end of its log, writes them where --junit/--json/--html say, and removes the
// namespace (Job, pod, ServiceAccount) and the ClusterRoles and bindings, whatever happened. On
// Ctrl-C the runner pod is deleted first (SIGTERM: the runner removes its run namespaces within its
// grace period), then everything else.
import { request } from 'undici';
import type { V1Pod } from '@kubernetes/client-node';
import { podEvidenceApi, waitForPods } from '../helpers/diagnose/pod-wait.ts';
import { signalsApi } from '../helpers/diagnose/signals.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { terminalText } from '../helpers/terminal-text.ts';
import { apiError, statusCode } from '../helpers/kube/api-errors.ts';
import type { KubeconfigLocation, KubeTarget } from '../helpers/kube/kubeconfig.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { clusterScopedKinds, removeClusterLeftovers } from '../helpers/run/cluster-leftovers.ts';
import { FIELD_MANAGER, ownedSelector } from '../helpers/run/labels.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { onStopSignal } from '../helpers/run/signals.ts';
import { poll } from '../helpers/wait/poll.ts';
import type { Settings } from '../helpers/settings.ts';
import { writeFileAtomic } from '../reports/atomic-write.ts';
import { consoleStream } from '../reports/run-reporters.ts';
import { collectionPath, RUNNER_CONTAINER, RUNNER_GRACE_SECONDS, RUNNER_NAME, type DeployPlan, type KubeObject } from './deploy-manifests.ts';
import { REPORT_KINDS, REPORTS_BEGIN, REPORTS_END, unpackReports, type ReportKind } from './deploy-report-log.ts';
import type { CliIo } from './io.ts';

const POLL_MS = 1000;
// How often the cluster's signals are read while the runner pod does not start.
const DIAGNOSE_EVERY_MS = 3000;
const NAMESPACE_REMOVAL_MS = 120_000;

export interface DeployRequest {
  location: KubeconfigLocation | KubeTarget;
  settings: Settings;
  plan: DeployPlan;
  objects: KubeObject[];
}

function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace === undefined ? '' : `${object.metadata.namespace}/`}${object.metadata.name}`;
}

async function create(session: KubeSession, object: KubeObject): Promise<void> {
  // Under our field manager: the API server's record that deploy made it (run/labels.ts createdByShakedown).
  const response = await session.connection.send({
    method: 'POST',
    path: `${collectionPath(object)}?fieldManager=${FIELD_MANAGER}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(object),
  });
  if (response.status === 409) {
    throw new ShakedownError('SD_SETUP_FAILED', `${describe(object)} already exists: deploy makes its own`, {
      hint: object.kind === 'Namespace' ? 'Choose another --namespace, or remove the old one (shakedown cleanup).' : 'Remove the old one (shakedown cleanup).',
    });
  }
  if (response.status === 403)
    throw new ShakedownError('SD_FORBIDDEN', `context "${session.target.context}" may not create ${describe(object)}: ${message(response.text)}`);
  if (response.status >= 300) throw new ShakedownError('SD_SETUP_FAILED', `creating ${describe(object)}: HTTP ${response.status} ${message(response.text)}`);
}

async function remove(session: KubeSession, object: KubeObject): Promise<void> {
  const response = await session.connection.send({ method: 'DELETE', path: `${collectionPath(object)}/${object.metadata.name}` });
  if (response.status >= 300 && response.status !== 404) throw new Error(`deleting ${describe(object)}: HTTP ${response.status} ${message(response.text)}`);
}

function message(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

async function runnerPod(session: KubeSession, namespace: string): Promise<V1Pod | undefined> {
  const pods = await session.clients.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${RUNNER_NAME}` });
  return pods.items[0];
}

function container(pod: V1Pod | undefined) {
  return pod?.status?.containerStatuses?.find((status) => status.name === RUNNER_CONTAINER);
}

// Waits until the runner's container runs (or already ended); the pod's name. The engine's one
// diagnosing pod wait (helpers/diagnose/pod-wait.ts): an image that cannot be pulled is said at
// once, and while the pod does not start the cluster's own signals (leader Leases, node Leases and
// conditions, the Job's and the pod's events) name a hung scheduler, a dead kubelet or admission
// refusing the Job's pod instead of a timeout.
async function waitForStart(session: KubeSession, plan: DeployPlan, settings: Settings, signal: AbortSignal, say: (line: string) => void): Promise<string> {
  const { pods } = await waitForPods({
    list: async () => {
      const pod = await runnerPod(session, plan.namespace);
      return pod === undefined ? [] : [pod];
    },
    expected: 1,
    namespace: plan.namespace,
    signals: signalsApi(session.clients.core, session.clients.coordination),
    what: 'runner pod',
    until: 'started',
    container: RUNNER_CONTAINER,
    name: () => 'the runner container',
    owner: { kind: 'Job', name: RUNNER_NAME },
    evidence: podEvidenceApi(session.clients.core, RUNNER_CONTAINER),
    image: { image: plan.image, pullPolicy: plan.pullPolicy },
    hint: (reason) =>
      /ImagePull|ErrImageNeverPull|InvalidImageName/.test(reason)
        ? 'Is the runner image where the cluster pulls from? Build it from the Containerfile, mirror it, and pass --image REF.'
        : 'Raise --setup-timeout if the cluster is only slow to pull the image.',
    timeoutCode: 'SD_TIMEOUT',
    timeoutMs: settings.setupTimeout,
    pollMs: POLL_MS,
    diagnoseEveryMs: DIAGNOSE_EVERY_MS,
    signal,
    onWait: say,
  });
  return pods[0]?.metadata?.name ?? '';
}

// Prints the runner's log as it comes, without the reports block; ends when the container does
// (or the stream breaks: the caller then polls the pod).
async function followLog(session: KubeSession, namespace: string, pod: string, write: (text: string) => void, signal: AbortSignal): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/log?container=${RUNNER_CONTAINER}&follow=true`;
  const response = await request(`${session.connection.server}${path}`, {
    dispatcher: session.connection.dispatcher,
    headers: await session.connection.authHeaders(),
    signal,
    bodyTimeout: 0,
  });
  if (response.statusCode !== 200) {
    await response.body.text();
    return;
  }
  let pending = '';
  let inBlock = false;
  for await (const chunk of response.body) {
    pending += (chunk as Buffer).toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === REPORTS_BEGIN) inBlock = true;
      else if (line === REPORTS_END) inBlock = false;
      else if (!inBlock) write(`${line}\n`);
      newline = pending.indexOf('\n');
    }
  }
  if (pending !== '' && !inBlock) write(pending);
}

async function readLog(session: KubeSession, namespace: string, pod: string): Promise<string> {
  const response = await session.connection.send({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/pods/${pod}/log?container=${RUNNER_CONTAINER}`,
    timeoutMs: 60_000,
  });
  if (response.status !== 200) throw new ShakedownError('SD_SETUP_FAILED', `reading the runner's log: HTTP ${response.status} ${message(response.text)}`);
  return response.text;
}

async function waitForEnd(session: KubeSession, plan: DeployPlan, pod: string, signal: AbortSignal): Promise<{ exitCode: number; reason: string }> {
  const namespace = plan.namespace;
  const read = () =>
    session.clients.core.readNamespacedPod({ name: pod, namespace }).catch((error: unknown) => {
      if (statusCode(error) !== 404) throw error;
      return undefined;
    });
  // The Job's deadline kills the pod (its phase says so before the container status may), or the
  // Job controller deletes it; past that deadline and the grace period, nothing is left to wait for.
  const ended = (current: V1Pod | undefined) =>
    current === undefined || container(current)?.state?.terminated !== undefined || current.status?.phase === 'Failed';
  const polled = await poll(read, ended, { timeoutMs: plan.jobTimeoutMs + (RUNNER_GRACE_SECONDS + 60) * 1000, intervalMs: 2 * POLL_MS, signal });
  const current = polled.value;
  const deadline = Math.round(plan.jobTimeoutMs / 60_000);
  if (current === undefined) {
    throw new ShakedownError(
      'SD_TIMEOUT',
      `the runner pod ${namespace}/${pod} is gone before its end: the Job reached its deadline (${deadline} min) or someone deleted it`,
      { hint: 'Raise --job-timeout if the run needs longer.' },
    );
  }
  const terminated = container(current)?.state?.terminated;
  if (terminated !== undefined) return { exitCode: terminated.exitCode, reason: [terminated.reason, terminated.message].filter(Boolean).join(': ') };
  if (current.status?.phase === 'Failed') return { exitCode: 2, reason: current.status.reason ?? 'the pod failed' };
  throw new ShakedownError('SD_TIMEOUT', `the runner pod ${namespace}/${pod} still runs past the Job's deadline (${deadline} min)`, {
    hint: `Its Job should have stopped it: kubectl -n ${namespace} describe job ${RUNNER_NAME}`,
  });
}

// Deletes the runner pod (the runner gets SIGTERM and removes its run namespaces) and waits until
// it is gone or its container ended, bounded by its grace period.
async function stopRunner(session: KubeSession, namespace: string, say: (line: string) => void): Promise<void> {
  const pod = await runnerPod(session, namespace).catch(() => undefined);
  if (pod === undefined || container(pod)?.state?.terminated !== undefined) return;
  say('stopping the runner (it removes its run namespaces first)');
  const name = pod.metadata?.name ?? '';
  await session.clients.core.deleteNamespacedPod({ name, namespace }).catch(() => undefined);
  const read = () => session.clients.core.readNamespacedPod({ name, namespace }).catch((error: unknown) => (statusCode(error) === 404 ? undefined : pod));
  await poll(read, (now) => now === undefined || container(now)?.state?.terminated !== undefined, {
    timeoutMs: (RUNNER_GRACE_SECONDS + 30) * 1000,
    intervalMs: POLL_MS,
  });
}

// As a local run writes them (reports/atomic-write.ts): atomically, through a link, straight to a
// device, `-` to stdout (the runner's log then went to stderr).
async function writeReports(
  files: Partial<Record<ReportKind, string>>,
  settings: Settings,
  stdout: CliIo['stdout'],
): Promise<{ written: string[]; missing: string[] }> {
  const written: string[] = [];
  const missing: string[] = [];
  for (const kind of REPORT_KINDS) {
    const path = settings[kind];
    if (path === undefined) continue;
    const text = files[kind];
    if (text === undefined) {
      missing.push(kind);
      continue;
    }
    try {
      await writeFileAtomic(path, text, stdout);
    } catch (error) {
      // The writer's message names the path and the reason.
      throw new ShakedownError('SD_REPORT_WRITE_FAILED', `the ${kind} report: ${(error as Error).message}`, { cause: error });
    }
    written.push(`${kind} ${path}`);
  }
  return { written, missing };
}

const VERDICT: Record<number, string> = { 0: 'no check failed', 1: 'a check failed', 2: 'the run could not happen or deliver' };

export async function applyAndFollow(io: CliIo, request: DeployRequest): Promise<number> {
  const { settings, plan, objects } = request;
  // Status lines carry the cluster's words (waiting reasons, events, API messages): made safe for a terminal.
  const say = (line: string) => io.stderr.write(`deploy: ${terminalText(line, { oneLine: true })}\n`);
  const session = await openKubeSession(request.location, { ...(settings.context === undefined ? {} : { context: settings.context }), qps: settings.apiQps });
  const created: KubeObject[] = [];
  const abort = new AbortController();
  const disposeSignals = onStopSignal((signal) => {
    say(`${signal}: stopping and removing what deploy created (press Ctrl-C again to leave at once; shakedown cleanup removes the rest)`);
    abort.abort(new ShakedownError('SD_INTERRUPTED', `deploy was interrupted by ${signal}`));
  });
  const started = performance.now();
  try {
    for (const object of objects) {
      abort.signal.throwIfAborted();
      await create(session, object).catch((error: unknown) => {
        throw error instanceof ShakedownError
          ? error
          : apiError(error, { server: session.server, context: session.target.context, action: `create ${describe(object)}` });
      });
      created.push(object);
    }
    say(`created ${created.map(describe).join(', ')} (run ${plan.runId})`);
    if (!settings.wait) {
      say(
        `follow: kubectl -n ${plan.namespace} logs -f job/${RUNNER_NAME}; remove: shakedown cleanup --run ${plan.runId} (or kubectl delete namespace ${plan.namespace} and the ClusterRoles and bindings labelled shakedown.dev/run-id=${plan.runId})`,
      );
      return 0;
    }
    const pod = await waitForStart(session, plan, settings, abort.signal, say);
    say(`the runner runs (pod ${plan.namespace}/${pod}); its output follows`);
    // The runner's console, on stderr when a report goes to stdout (--json -).
    const log = consoleStream({ ...settings, stdout: io.stdout, stderr: io.stderr });
    await followLog(session, plan.namespace, pod, (text) => log.write(text), abort.signal).catch((error: unknown) => {
      if (abort.signal.aborted) throw abort.signal.reason;
      say(`the log stream broke (${(error as Error).message}); waiting for the runner to end`);
    });
    const end = await waitForEnd(session, plan, pod, abort.signal);
    const packed = unpackReports(await readLog(session, plan.namespace, pod));
    if (packed === undefined) {
      throw new ShakedownError(
        'SD_SETUP_FAILED',
        `the runner ended (exit ${end.exitCode}${end.reason === '' ? '' : `, ${end.reason}`}) without handing back its reports`,
        { hint: "Its output is above: a runner killed before its end (out of memory, the Job's deadline: --job-timeout) prints no reports." },
      );
    }
    const { written, missing } = await writeReports(packed.files, settings, io.stdout);
    say(
      `the runner ended after ${((performance.now() - started) / 1000).toFixed(1)} s: exit ${packed.exitCode} (${VERDICT[packed.exitCode] ?? 'unknown'})${written.length === 0 ? '' : `; reports: ${written.join(', ')}`}`,
    );
    if (missing.length > 0) {
      say(`the runner handed back no ${missing.join(', ')} report`);
      return Math.max(packed.exitCode, 2);
    }
    return packed.exitCode;
  } finally {
    disposeSignals();
    await cleanUp(session, plan, created, say);
    await session.close();
  }
}

async function cleanUp(session: KubeSession, plan: DeployPlan, created: readonly KubeObject[], say: (line: string) => void): Promise<void> {
  if (created.length === 0) return;
  if (created.some((object) => object.kind === 'Job')) await stopRunner(session, plan.namespace, say);
  const problems: string[] = [];
  // What the runner could not remove itself (killed at the end of its grace period, say): its run
  // namespaces and cluster-scoped objects, by its run id, with deploy's own credentials.
  const { runnerRunId } = plan;
  if (created.some((object) => object.kind === 'Job')) {
    const api = namespaceApi(session.clients);
    const left = await api.list(ownedSelector(runnerRunId)).catch(() => []);
    if (left.length > 0) {
      say(`removing what the runner left: ${left.map((n) => n.metadata?.name ?? '').join(', ')}`);
      const removal = await removeRun(api, runnerRunId, { timeoutMs: NAMESPACE_REMOVAL_MS }).catch((error: unknown) => ({
        removed: [],
        stuck: [{ name: runnerRunId, detail: (error as Error).message }],
      }));
      for (const stuck of removal.stuck) problems.push(`namespace ${stuck.name} is still terminating: ${stuck.detail}`);
    }
    const cluster = await removeClusterLeftovers(clusterScopedKinds(session.clients), new Set(), runnerRunId).catch(() => undefined);
    if (cluster !== undefined && cluster.removed.length > 0) say(`removed what the runner left: ${cluster.removed.join(', ')}`);
  }
  // The bindings and roles first (nothing uses them once the runner has ended), then the namespace
  // with everything in it, waited for.
  for (const object of [...created].reverse().filter((o) => o.metadata.namespace === undefined && o.kind !== 'Namespace')) {
    await remove(session, object).catch((error: unknown) => problems.push((error as Error).message));
  }
  if (created.some((object) => object.kind === 'Namespace')) {
    const removal = await removeRun(namespaceApi(session.clients), plan.runId, { timeoutMs: NAMESPACE_REMOVAL_MS }).catch((error: unknown) => ({
      removed: [],
      stuck: [{ name: plan.namespace, detail: (error as Error).message }],
    }));
    for (const stuck of removal.stuck) problems.push(`namespace ${stuck.name} is still terminating: ${stuck.detail}`);
  }
  if (problems.length > 0) say(`could not remove everything: ${problems.join('; ')}; shakedown cleanup --run ${plan.runId} finishes it`);
  else say(`removed ${created.map(describe).join(', ')}`);
}
