// The API suites are written in. A suite file calls defineSuite() once; inside, each check() is a
// small declarative unit: the declaration its manifest holds (title, description, timeout) and a
// body that probes and judges.
// A check records what it saw (log, evidence, the objects it touched with track()) and ends in one
// of four ways: it returns (pass), it calls warn(message) (a finding that is not a failure),
// fail(classification, message) or skip(reason). Anything else it throws is a failure classified
// from the error (classify.ts). The check builds its own CheckResult here, in its worker, once; on
// warn or fail the engine first adds what a person would look at next about the tracked objects
// (failure-evidence.ts). Checks run concurrently unless declared sequential.
import { afterAll, beforeAll, describe, test, type TestContext } from 'vitest';
import type { Classification, Evidence, Origin } from '../result.ts';
import { classifyError } from './classify.ts';
import { closeClusterHandle, openClusterHandle, type ClusterHandle } from './cluster-handle.ts';
import { finishCollecting, inGroup, localTitle, recordCheck, startCollecting } from './declared-checks.ts';
import type { CheckDeclaration, SuiteManifest } from './manifest.ts';
import { awaitRunContext, chosenChecks, runContext, streamsLog, type RunContext } from './context.ts';
import { collectFailureEvidence, toRef, type ObjectRef } from './failure-evidence.ts';
import type { CheckMeta, CheckOutcome } from './meta.ts';

export type { ObjectRef } from './failure-evidence.ts';

export interface FailureDetails {
  likelyCause?: string;
  reproduce?: string;
  evidence?: Evidence[];
  origin?: Origin;
}

// A Kubernetes object as an API call returned it (kind and metadata), or a reference to one.
export type Trackable = ObjectRef | { kind?: string; metadata?: { name?: string; namespace?: string } };

export interface CheckContext {
  readonly run: RunContext;
  readonly signal: AbortSignal;
  cluster(): Promise<ClusterHandle>;
  log(line: string): void;
  // Evidence kept with the result: a label and its text, or typed evidence (helpers/evidence.ts:
  // grids and figure tables the HTML report draws).
  evidence(label: string, text: string): void;
  evidence(evidence: Evidence): void;
  // The one-line message shown for a pass.
  note(message: string): void;
  // A fact about the cluster for the run's report properties (JUnit <properties>, JSON run.properties).
  property(name: string, value: string): void;
  // An object this check touched (created, read or depends on): on warn or fail the engine attaches
  // its state, events and the log tails of its pods. Returns its argument, so a create can be wrapped.
  track<T extends Trackable>(object: T): T;
  // Ends the check as a finding that is not a failure: shown and reported, never changes the exit code.
  warn(message: string, details?: FailureDetails): never;
  fail(classification: Classification, message: string, details?: FailureDetails): never;
  skip(reason: string): never;
}

export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  readonly classification: Classification;
  readonly details: FailureDetails;

  constructor(classification: Classification, message: string, details: FailureDetails = {}) {
    super(message);
    this.classification = classification;
    this.details = details;
  }
}

export class CheckWarning extends Error {
  override readonly name = 'CheckWarning';
  readonly details: FailureDetails;

  constructor(message: string, details: FailureDetails = {}) {
    super(message);
    this.details = details;
  }
}

// One cluster handle per suite file, opened on first use and closed after the last check.
let handle: Promise<ClusterHandle> | undefined;

function cluster(): Promise<ClusterHandle> {
  handle ??= openClusterHandle(runContext());
  return handle;
}

// Waiting for the run context is waiting for setup (the fleet, its own bound): not a hook that
// times out on vitest's clock. The engine always delivers or withholds it.
const SETUP_WAIT_MS = 2 ** 31 - 1;

// The suite's checks must be exactly those its manifest declares (declared-checks.ts).
export function defineSuite(manifest: SuiteManifest, body: () => void): void {
  const meta: CheckMeta = { suiteDescription: manifest.description };
  startCollecting(manifest);
  describe(manifest.description, { meta: { shakedown: meta } }, () => {
    beforeAll(async () => {
      await awaitRunContext();
    }, SETUP_WAIT_MS);
    afterAll(async () => {
      const opened = handle;
      handle = undefined;
      if (opened !== undefined) await closeClusterHandle(await opened);
    });
    body();
    finishCollecting();
  });
}

// Set while the body of a sequential group is collected: its checks run one at a time.
let inSequentialGroup = false;

// A named group of checks; a sequential group runs its checks one at a time.
export function group(title: string, options: { sequential?: boolean }, body: () => void): void {
  describe(title, () => {
    const outer = inSequentialGroup;
    inSequentialGroup = outer || options.sequential === true;
    try {
      inGroup(title, body);
    } finally {
      inSequentialGroup = outer;
    }
  });
}

// What the check saw while it ran, before it ended.
interface Seen {
  description: string;
  log: string[];
  evidence: Evidence[];
  tracked: ObjectRef[];
  note?: string;
  skipReason?: string;
}

// Implements a check the suite's manifest declares: check(manifest.check.apiHealth, async (c) => ...).
// Its title, description, timeout and sequential flag are the declaration's; inside a group, the
// declared title begins with the group's.
export function check(declared: CheckDeclaration, body: (c: CheckContext) => Promise<void>): void {
  const { description } = declared;
  const title = localTitle(declared.title);
  const recorded = recordCheck(title, description);
  // A check the run's profile or selection leaves out is not defined at all: not run (the engine
  // reports the selection's as skipped, engine/selection.ts).
  const chosen = recorded.suite === undefined ? undefined : chosenChecks(recorded.suite);
  if (chosen !== undefined && !chosen.includes(recorded.title)) return;
  const options = {
    concurrent: declared.sequential !== true && !inSequentialGroup,
    ...(declared.timeoutMs === undefined ? {} : { timeout: declared.timeoutMs }),
    meta: { shakedown: { description: description } satisfies CheckMeta },
  };
  test(title, options, async (ctx: TestContext) => {
    const meta: CheckMeta = { description: description };
    ctx.task.meta.shakedown = meta;
    const seen: Seen = { description: description, log: [], evidence: [], tracked: [] };
    const stream = streamsLog();
    const context: CheckContext = {
      get run() {
        return runContext();
      },
      signal: ctx.signal,
      cluster,
      log(line) {
        seen.log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
        if (stream) streamLine(ctx, line);
      },
      evidence: (label: string | Evidence, text?: string) => void seen.evidence.push(typeof label === 'string' ? { label, text: text ?? '' } : label),
      note: (message) => void (seen.note = message),
      property: (name, value) => void (meta.properties = { ...meta.properties, [name]: value }),
      track(object) {
        const ref = toRef(object);
        if (ref === undefined) context.log(`cannot track an object without kind and name: ${JSON.stringify(object).slice(0, 200)}`);
        else seen.tracked.push(ref);
        return object;
      },
      warn(message, details = {}) {
        throw new CheckWarning(message, details);
      },
      fail(classification, message, details = {}) {
        throw new CheckFailure(classification, message, details);
      },
      skip(reason) {
        seen.skipReason = reason;
        return ctx.skip(reason);
      },
    };
    // The check stops itself a little before vitest's timeout would, so a hang still ends as a
    // classified failure with its log and the engine's evidence about its objects.
    const limits = budgetOf(ctx.task.timeout);
    try {
      await withDeadline(body(context), limits.bodyMs);
    } catch (error) {
      if (seen.skipReason !== undefined) {
        meta.outcome = { status: 'skip', message: `skipped: ${seen.skipReason}`, skipReason: seen.skipReason, evidence: seen.evidence, ...logOf(seen) };
        throw error;
      }
      meta.outcome = await withEngineEvidence(outcomeOf(seen, error), seen, limits.evidenceMs);
      // A warning is a finding, not a failure: vitest sees the check pass.
      if (meta.outcome.status === 'warn') return;
      throw error;
    }
    meta.outcome = { status: 'pass', message: seen.note ?? seen.description, evidence: seen.evidence, ...logOf(seen) };
  });
}

export const LOG_ANNOTATION = 'shakedown.log';

// A log line for the live display, through vitest's annotations (the adapter turns them into
// progress events). Best effort: a check that already ended, or a failed send, loses the line only.
function streamLine(ctx: TestContext, line: string): void {
  try {
    ctx.annotate(line.split('\n', 1)[0] ?? '', LOG_ANNOTATION).catch(() => undefined);
  } catch {
    // The check has ended: nothing is running to show it beside.
  }
}

function logOf(seen: Seen): { log?: string[] } {
  return seen.log.length === 0 ? {} : { log: seen.log };
}

// The one place a check body's ending becomes its outcome.
export function outcomeOf(seen: Pick<Seen, 'evidence' | 'log'>, error: unknown): CheckOutcome {
  const log = seen.log.length === 0 ? {} : { log: seen.log };
  if (error instanceof CheckFailure || error instanceof CheckWarning) {
    const { details } = error;
    const common = {
      message: error.message,
      evidence: [...seen.evidence, ...(details.evidence ?? [])],
      ...(details.likelyCause === undefined ? {} : { likelyCause: details.likelyCause }),
      ...(details.reproduce === undefined ? {} : { reproduce: details.reproduce }),
      ...(details.origin === undefined ? {} : { origin: details.origin }),
      ...log,
    };
    return error instanceof CheckFailure ? { status: 'fail', classification: error.classification, ...common } : { status: 'warn', ...common };
  }
  const classified = classifyError(error);
  return { status: 'fail', ...classified, evidence: [...seen.evidence], ...log };
}

// Of a check's timeout, what the body may use and what is kept for collecting evidence.
export function budgetOf(timeoutMs: number | undefined): { bodyMs: number | undefined; evidenceMs: number } {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return { bodyMs: undefined, evidenceMs: EVIDENCE_MS };
  const reserve = Math.min(EVIDENCE_MS + 1000, Math.floor(timeoutMs / 4));
  return { bodyMs: timeoutMs - reserve, evidenceMs: Math.max(0, reserve - 500) };
}

const EVIDENCE_MS = 8000;

async function withDeadline(work: Promise<void>, ms: number | undefined): Promise<void> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CheckFailure('timeout', `the check did not finish in time (${ms}ms)`, {
            likelyCause: 'a probe or an API call hung; the log shows the last step reached',
          }),
        ),
      ms,
    );
  });
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

// The nodes a failure's origin names (every failing probe from or to pods on them): the engine
// describes them beside the objects the check tracked.
export function originNodes(origin: Origin | undefined): ObjectRef[] {
  if (origin === undefined || (origin.dimension !== 'source-node' && origin.dimension !== 'target-node')) return [];
  return origin.value
    .split(', ')
    .filter((node) => node !== '')
    .map((node) => ({ kind: 'Node', name: node }));
}

async function withEngineEvidence(outcome: CheckOutcome, seen: Seen, deadlineMs: number): Promise<CheckOutcome> {
  if (outcome.status !== 'fail' && outcome.status !== 'warn') return outcome;
  const refs = [...seen.tracked, ...originNodes(outcome.origin)];
  if (refs.length === 0) return outcome;
  let added: Evidence[];
  try {
    const { session } = await cluster();
    added = await collectFailureEvidence(session.clients, refs, { namespace: runContext().namespace, deadlineMs });
  } catch (error) {
    added = [{ label: 'failure evidence', text: `could not be collected: ${error instanceof Error ? error.message : String(error)}` }];
  }
  return { ...outcome, evidence: [...outcome.evidence, ...added] };
}
