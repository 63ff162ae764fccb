// One run, start to end: reporters, preflight, cluster setup, the suites under vitest, teardown.
// Whatever happens (setup failure, crash, Ctrl-C, SIGTERM) the run's namespaces are removed
// (unless --keep-on-failure and something failed) and the JUnit/JSON reports are written.
import { explainApiFailure } from '../diagnose/api-server.ts';
import { ShakedownError, asShakedownError } from '../errors.ts';
import type { OutputStream, ProgressEvent, Reporter } from '../reporter.ts';
import { noKubeconfig, type KubeconfigLocation, type KubeTarget } from '../kube/kubeconfig.ts';
import { pullSecretPermissions } from '../kube/permissions.ts';
import { preflight } from '../kube/preflight.ts';
import { openKubeSession, preflightApi, type KubeSession } from '../kube/session.ts';
import { summarize, type CheckResult, type RunInfo } from '../result.ts';
import type { Waiver } from '../waivers/file.ts';
import { waiverBook } from '../waivers/waive.ts';
import { createCleanupStack } from '../run/cleanup-stack.ts';
import type { Removal } from '../run/namespaces.ts';
import { newRunId } from '../run/run-id.ts';
import { versionInfo, versionProperties } from '../version.ts';
import { onStopSignal, type StopSignal } from '../run/signals.ts';
import type { Settings } from '../settings.ts';
import { rateBudget } from '../kube/throttle.ts';
import { createVitestAdapter, holdEvents, type HeldSink } from './adapter.ts';
import { exitCodeFor, type ExitCode } from './exit-code.ts';
import { pullSecretRef, setUpCluster } from './setup.ts';
import { defaultOptions, type ResolvedOptions } from './manifest.ts';
import { profilePlan, type ProfilePlan } from './profiles.ts';
import { plannedIds, selectChecks, type Deselected } from './selection.ts';
import { runBatches, type LoadedSuite } from './suites.ts';
import { createSuiteRunner, type SuiteRunner } from './vitest-runner.ts';

export interface RunRequest {
  settings: Settings;
  suites: LoadedSuite[];
  // The chosen suites' options as resolved (config.ts resolveSuiteOptions); their defaults when absent.
  options?: ResolvedOptions;
  root: string;
  // Undefined when there is none: the run stops with SD_KUBECONFIG_INVALID (and still writes its reports).
  kubeconfig: KubeconfigLocation | KubeTarget | undefined;
  stderr: OutputStream;
  now?: () => Date;
  // Every reporter behind one multiplexer (reports/run-reporters.ts), composed by the caller: the
  // engine never imports reports/. Its hooks must contain their own failures.
  reporter: Required<Reporter>;
  // Send each check's log lines to the reporters as they happen (onProgress): a live display wants them.
  streamCheckLogs?: boolean;
  // The waivers file's entries (--waivers), read and checked by the caller.
  waivers?: readonly Waiver[];
}

export interface RunOutcome {
  exitCode: ExitCode;
  runId: string;
  // Why the run could not happen, when it could not.
  error?: ShakedownError;
  results: CheckResult[];
}

const CANCEL_GRACE_MS = 3000;
const TEARDOWN_SUITE = 'setup';
const TEARDOWN_CHECK = 'run namespaces are deleted';

export async function runShakedown(request: RunRequest): Promise<RunOutcome> {
  const now = request.now ?? (() => new Date());
  const { settings } = request;
  const runId = settings.runId ?? newRunId(now());
  const namespace = runId;
  // The profile decides which suites and checks run; a bad one stops the run before the cluster is touched.
  let plan: ProfilePlan<LoadedSuite> = { profile: settings.profile ?? 'full', suites: request.suites, checks: undefined };
  let planError: ShakedownError | undefined;
  // What the profile would run, before --check and --skip-check: the checks they leave out are reported skipped.
  let profiled = plan;
  let deselected: Deselected[] = [];
  try {
    // Every suite was chosen unless --suite named some: then the whole profile is checked against them.
    const explicit = settings.suites.length > 0;
    profiled = profilePlan(plan.profile, request.suites, explicit ? { explicit } : { all: request.suites });
    ({ plan, deselected } = selectChecks(profiled, { checks: settings.checks ?? [], skipChecks: settings.skipChecks ?? [] }, { chosen: request.suites }));
  } catch (thrown) {
    planError = asShakedownError(thrown);
  }
  const run: RunInfo = {
    runId,
    startedAt: now().toISOString(),
    finishedAt: null,
    cluster: { server: null, version: null, nodes: null, context: null },
    // Which shakedown wrote it (version, commit, Node.js), in every report.
    properties: {
      ...versionProperties(versionInfo()),
      'shakedown.suites': plan.suites.map((suite) => suite.name).join(','),
      'shakedown.profile': plan.profile,
      // The selection, as JSON arrays of patterns (a title may hold a comma).
      ...((settings.checks ?? []).length === 0 ? {} : { 'shakedown.checks': JSON.stringify(settings.checks) }),
      ...((settings.skipChecks ?? []).length === 0 ? {} : { 'shakedown.skipChecks': JSON.stringify(settings.skipChecks) }),
    },
  };
  const mux = request.reporter;
  // Every check the profile would run, those the selection leaves out too (they end at once, skipped).
  const planned = Map.groupBy(planError === undefined ? plannedIds(profiled) : plannedIds(plan), (id) => id.suite);
  await mux.onPlan({ profile: plan.profile, suites: [...planned].map(([suite, ids]) => ({ suite, checks: ids.map((id) => id.check) })) });
  const results: CheckResult[] = [];
  // Setup and teardown steps: the console shows them live on a terminal (with --verbose in a log).
  const progress = (line: string) => void mux.onProgress({ line });
  const cleanup = createCleanupStack((step) => progress(step));
  const abort = new AbortController();
  let stopped: StopSignal | undefined;
  let runner: SuiteRunner | undefined;
  let removal: { outcome: Removal | Error; ms: number } | undefined;
  let namespaceCreated = false;
  let failedSoFar = false;
  // Waivers hold through their day of the run's start, for the cluster the run learns of.
  const startedAt = new Date(run.startedAt);
  const waivers =
    request.waivers === undefined || request.waivers.length === 0
      ? undefined
      : waiverBook(request.waivers, () => ({ now: startedAt, context: run.cluster.context, server: run.cluster.server }));

  const record = async (finished: CheckResult) => {
    const result = waivers === undefined ? finished : waivers.apply(finished);
    results.push(result);
    // A waived failure is known and accepted: it keeps no namespace for inspection.
    if (result.status === 'fail' && result.waiver === undefined) failedSoFar = true;
    await mux.onCheckEnd(result);
  };

  const disposeSignals = onStopSignal((signal) => {
    stopped = signal;
    request.stderr.write(`\n${signal}: stopping the run and cleaning up (press Ctrl-C again to leave at once; a later run removes what is left)\n`);
    abort.abort(new ShakedownError('SD_INTERRUPTED', `the run was interrupted by ${signal}`));
    void runner?.cancel(CANCEL_GRACE_MS).catch(() => undefined);
  });

  // A crash anywhere (an unhandled rejection) stops the run like a signal would: cleanup still runs.
  let crash: ShakedownError | undefined;
  const onCrash = (reason: unknown) => {
    crash ??= new ShakedownError('SD_INTERNAL', `unexpected error during the run: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: reason,
    });
    abort.abort(crash);
    void runner?.cancel(CANCEL_GRACE_MS).catch(() => undefined);
  };
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);

  let error: ShakedownError | undefined;
  let session: KubeSession | undefined;
  // One rate limit for the engine and every suite worker together.
  const rate = rateBudget(settings.apiQps);
  // What the workers know from their start; the rest of the run context follows setup.
  const early = { rate, ...(plan.checks === undefined ? {} : { checks: plan.checks }), streamLog: request.streamCheckLogs === true };
  // The suites that may run together, then each exclusive suite alone (its manifest says so), unless
  // the profile runs them all together (quick leaves out what dns runs alone for).
  const batches = plan.together === true ? [plan.suites] : runBatches(plan.suites);
  const firstBatch = batches[0] ?? [];
  const sink = {
    onSuiteStart: async (suite: string) => mux.onSuiteStart(suite),
    onCheckStart: async (suite: string, check: string) => mux.onCheckStart(suite, check),
    onCheckEnd: record,
    onProperties: (properties: Record<string, string>) => void Object.assign(run.properties, properties),
    onProgress: async (event: ProgressEvent) => mux.onProgress(event),
  };
  // A batch's workers start before its turn (the first while setup runs, each later one while the
  // batch before it runs): they load their suites meanwhile, then wait for the run context before
  // any check. What they report meanwhile waits until their turn (adapter.ts holdEvents).
  interface Batch {
    runner: SuiteRunner;
    held: HeldSink;
  }
  // Started, their run context not delivered yet; told why it will not come when the run stops.
  const waiting = new Set<Batch>();
  // The batch whose turn comes next, its workers started.
  let upcoming: Promise<Batch> | undefined;
  const startBatch = async (batch: LoadedSuite[]): Promise<Batch> => {
    const held = holdEvents(sink);
    const started = await createSuiteRunner({
      root: request.root,
      files: batch.map((suite) => suite.file),
      reporter: createVitestAdapter(held),
      concurrency: settings.concurrency,
      checkTimeoutMs: settings.checkTimeout,
      hookTimeoutMs: settings.setupTimeout,
    });
    started.start(early);
    const prepared = { runner: started, held };
    waiting.add(prepared);
    return prepared;
  };
  try {
    if (planError !== undefined) throw planError;
    const secretRef = pullSecretRef(settings);
    if (request.kubeconfig === undefined) throw noKubeconfig();
    session = await openKubeSession(request.kubeconfig, { ...(settings.context === undefined ? {} : { context: settings.context }), ...rate });
    const opened = session;
    cleanup.push('close the API connection', () => opened.close());
    run.cluster.server = session.server;
    run.cluster.context = session.target.context;
    const facts = await preflight(preflightApi(session), {
      server: session.server,
      context: session.target.context,
      namespace,
      transport: settings.transport,
      suites: plan.suites.map((suite) => suite.manifest),
      ...(settings.runRole === undefined ? {} : { runRole: settings.runRole }),
      ...(secretRef === undefined ? {} : { extra: pullSecretPermissions(secretRef.namespace) }),
    });
    run.cluster.version = facts.version;
    run.cluster.nodes = facts.nodes.length;
    abort.signal.throwIfAborted();
    // The cluster answers and allows the run: the first batch's workers start now and load their
    // suites while setup runs (seconds of CPU each), then wait for the run context before any check.
    const first = await startBatch(firstBatch);
    runner = first.runner;
    upcoming = Promise.resolve(first);
    await mux.onRunStart(run);
    // The checks --check and --skip-check leave out end at once, skipped, with the patterns as the reason.
    for (const left of deselected)
      await record({ suite: left.suite, check: left.check, status: 'skip', durationMs: 0, message: 'skipped', skipReason: left.reason, evidence: [] });

    const setup = await setUpCluster({
      runId,
      namespace,
      now: now(),
      settings,
      session,
      facts,
      cleanup,
      rate,
      ...(plan.awaitCleanup === false ? { awaitCleanup: false } : {}),
      suites: plan.suites.map((suite) => suite.manifest),
      options: request.options ?? defaultOptions(plan.suites.map((suite) => suite.manifest)),
      signal: abort.signal,
      progress,
      keepNamespaces: () => settings.keepOnFailure && (failedSoFar || error !== undefined) && stopped === undefined,
      onNamespaceCreated: () => {
        namespaceCreated = true;
      },
      onRemoval: (outcome, ms) => {
        removal = { outcome, ms };
      },
    });
    await mux.onSuiteStart(TEARDOWN_SUITE);
    for (const finding of setup.findings) await record(finding);
    abort.signal.throwIfAborted();

    const context = { ...setup.context, ...early };
    for (const [index, batch] of batches.entries()) {
      progress(
        `${index === 0 ? 'running' : 'starting'} ${batch.length === 1 ? 'the suite' : `${batch.length} suites`}: ${batch.map((suite) => suite.name).join(', ')}`,
      );
      const { runner: suiteRunner, held } = await (upcoming ?? startBatch(batch));
      runner = suiteRunner;
      // Stopped before the namespaces are deleted (the cleanup stack unwinds in reverse).
      cleanup.push('stop the suite workers', () => suiteRunner.close());
      // The next batch's workers load their suites while this one runs (seconds of this machine's
      // CPU, no request to the cluster): its first check starts as soon as this batch ends.
      const following = batches[index + 1];
      upcoming = following === undefined ? undefined : startBatch(following);
      // Awaited at the next batch's turn, or when the run stops; never an unhandled rejection meanwhile.
      upcoming?.catch(() => undefined);
      abort.signal.throwIfAborted();
      await held.release();
      suiteRunner.deliver(context);
      for (const started of waiting) if (started.runner === suiteRunner) waiting.delete(started);
      await suiteRunner.finished();
      abort.signal.throwIfAborted();
    }
  } catch (thrown) {
    error =
      stopped !== undefined
        ? new ShakedownError('SD_INTERRUPTED', `the run was interrupted by ${stopped}`, { cause: thrown })
        : (crash ?? asShakedownError(thrown));
    // Calls that timed out or failed with a server error: the API server's own health report names etcd or the failing check.
    const connection = session?.connection;
    if (connection !== undefined && stopped === undefined) error = await explainApiFailure((req) => connection.send(req), error);
    // Workers still waiting for their run context learn that it will not come; what they report is not the run's.
    await upcoming?.catch(() => undefined);
    for (const left of waiting) {
      waiting.delete(left);
      left.held.discard();
      left.runner.withhold(error.message);
      const ending = left.runner.finished().catch(() => undefined);
      await Promise.race([ending, new Promise((resolve) => setTimeout(resolve, CANCEL_GRACE_MS).unref())]);
      await left.runner.close();
    }
  }
  error ??= crash;

  const failures = await cleanup.runAll();
  disposeSignals();
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  if (settings.verbose && runner !== undefined && runner.output().trim() !== '') request.stderr.write(runner.output());
  for (const failure of failures) request.stderr.write(`cleanup step "${failure.name}" failed: ${(failure.error as Error).message ?? String(failure.error)}\n`);
  if (namespaceCreated) await recordTeardown(removal, runId, namespace, settings, record, failedSoFar || error !== undefined, plan.profile);
  // Waivers that matched no failure of a whole run: stale, said as warnings.
  if (waivers !== undefined && error === undefined) for (const stale of waivers.stale(results)) await record(stale);

  run.finishedAt = now().toISOString();
  if (error !== undefined) {
    await mux.onSetupError(error, run);
    await mux.flush();
  } else {
    await mux.onRunEnd(run, results, summarize(results));
  }
  return { exitCode: exitCodeFor(summarize(results), error), runId, ...(error === undefined ? {} : { error }), results };
}

// What the namespace conditions say holds the deletion.
function stuckCause(details: readonly string[]): string {
  const text = details.join('\n');
  if (/NamespaceDeletionDiscoveryFailure/.test(text))
    return 'an aggregated API (APIService) is unavailable, so the namespace controller cannot list what to delete: kubectl get apiservices';
  if (/NamespaceFinalizersRemaining/.test(text)) return 'objects in the namespace keep finalizers whose controller does not remove them (named above)';
  if (/NamespaceContentRemaining/.test(text))
    return 'objects in the namespace are not deleted yet: pods on a node whose kubelet is down stay until it returns or the node is removed';
  return 'a finalizer whose controller is down, or an unavailable aggregated API blocking namespace deletion';
}

async function recordTeardown(
  removed: { outcome: Removal | Error; ms: number } | undefined,
  runId: string,
  namespace: string,
  settings: Settings,
  record: (result: CheckResult) => Promise<void>,
  somethingFailed: boolean,
  profile: string,
): Promise<void> {
  const base = { suite: TEARDOWN_SUITE, check: TEARDOWN_CHECK, durationMs: Math.round(removed?.ms ?? 0), evidence: [] };
  const removal = removed?.outcome;
  if (removal === undefined) {
    const kept = settings.keepOnFailure && somethingFailed;
    await record({
      ...base,
      status: 'skip',
      message: 'skipped',
      skipReason: kept
        ? `kept for inspection (--keep-on-failure): namespace ${namespace}; \`shakedown cleanup\` removes it`
        : 'the namespaces were not removed',
    });
    return;
  }
  if (removal instanceof Error) {
    await record({
      ...base,
      status: 'fail',
      classification: 'error',
      message: `could not delete the namespaces of run ${runId}: ${removal.message}`,
      likelyCause: 'the API server refused or failed the deletion; they expire and a later run removes them',
    });
    return;
  }
  if (removal.stuck.length > 0) {
    await record({
      ...base,
      status: 'fail',
      classification: 'timeout',
      message: `${removal.stuck.length} namespace(s) of run ${runId} still Terminating after deletion${removal.gaveUp === undefined ? '' : `: ${removal.gaveUp.reason}`}`,
      evidence: [{ label: 'stuck namespaces', text: removal.stuck.map((stuck) => `${stuck.name}: ${stuck.detail}`).join('\n') }],
      likelyCause: removal.gaveUp?.reason ?? stuckCause(removal.stuck.map((stuck) => stuck.detail)),
      ...(removal.gaveUp === undefined
        ? {}
        : { origin: { dimension: 'component', value: removal.gaveUp.component, summary: removal.gaveUp.reason, confidence: 'high' as const } }),
      reproduce: `kubectl get namespace ${removal.stuck[0]?.name} -o yaml; shakedown cleanup --run ${runId} finishes it once the cause is fixed`,
    });
    return;
  }
  if (removal.pending !== undefined && removal.pending.length > 0) {
    await record({
      ...base,
      status: 'pass',
      message: `deletion of ${removal.pending.join(', ')} requested (their pods at once); not waited for under --profile ${profile}: nothing says the namespace controller is down, so they go within seconds (\`shakedown cleanup\` removes any that stay)`,
    });
    return;
  }
  await record({ ...base, status: 'pass', message: `deleted ${removal.removed.join(', ') || 'nothing'}` });
}
