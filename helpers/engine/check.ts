// The API suites are written in. A suite file calls defineSuite() once; inside, each check() is a
// small declarative unit: a title, a one-line description, and a body that probes and judges.
// A check records what it saw (log, evidence) and ends in one of three ways: it returns (pass),
// it calls fail(classification, message) or skip(reason). Anything else it throws is a failure
// classified from the error. Checks run concurrently unless declared sequential.
import { afterAll, describe, test, type TestContext } from 'vitest';
import { TransportError } from '../transport/transport.ts';
import type { Classification, Evidence, Origin } from '../result.ts';
import { closeClusterHandle, openClusterHandle, type ClusterHandle } from './cluster-handle.ts';
import { runContext, type RunContext } from './context.ts';
import type { CheckMeta } from './meta.ts';

export interface CheckSpec {
  // One line: what the check proves.
  description: string;
  // Runs alone, not beside the suite's other checks (it changes shared state).
  sequential?: boolean;
  timeoutMs?: number;
}

export interface FailureDetails {
  likelyCause?: string;
  reproduce?: string;
  evidence?: Evidence[];
  origin?: Origin;
}

export interface CheckContext {
  readonly run: RunContext;
  readonly signal: AbortSignal;
  cluster(): Promise<ClusterHandle>;
  log(line: string): void;
  evidence(label: string, text: string): void;
  // The one-line message shown for a pass.
  note(message: string): void;
  // A fact about the cluster for the run's report properties (JUnit <properties>, JSON run.properties).
  property(name: string, value: string): void;
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

// One cluster handle per suite file, opened on first use and closed after the last check.
let handle: Promise<ClusterHandle> | undefined;

function cluster(): Promise<ClusterHandle> {
  handle ??= openClusterHandle(runContext());
  return handle;
}

export function defineSuite(description: string, body: () => void): void {
  const meta: CheckMeta = { suiteDescription: description };
  describe(description, { meta: { shakedown: meta } }, () => {
    afterAll(async () => {
      const opened = handle;
      handle = undefined;
      if (opened !== undefined) await closeClusterHandle(await opened);
    });
    body();
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
      body();
    } finally {
      inSequentialGroup = outer;
    }
  });
}

export function check(title: string, spec: CheckSpec, body: (c: CheckContext) => Promise<void>): void {
  const options = {
    concurrent: spec.sequential !== true && !inSequentialGroup,
    ...(spec.timeoutMs === undefined ? {} : { timeout: spec.timeoutMs }),
    meta: { shakedown: { description: spec.description } satisfies CheckMeta },
  };
  test(title, options, async (ctx: TestContext) => {
    const meta: CheckMeta = { description: spec.description, log: [], evidence: [] };
    ctx.task.meta.shakedown = meta;
    const context: CheckContext = {
      get run() {
        return runContext();
      },
      signal: ctx.signal,
      cluster,
      log: (line) => void meta.log?.push(`${new Date().toISOString().slice(11, 23)} ${line}`),
      evidence: (label, text) => void meta.evidence?.push({ label, text }),
      note: (message) => void (meta.message = message),
      property: (name, value) => void (meta.properties = { ...meta.properties, [name]: value }),
      fail(classification, message, details = {}) {
        throw new CheckFailure(classification, message, details);
      },
      skip(reason) {
        meta.skipReason = reason;
        return ctx.skip(reason);
      },
    };
    try {
      await body(context);
    } catch (error) {
      if (meta.skipReason !== undefined) throw error;
      recordFailure(meta, error);
      throw error;
    }
  });
}

function recordFailure(meta: CheckMeta, error: unknown): void {
  if (error instanceof CheckFailure) {
    meta.classification = error.classification;
    meta.message = error.message;
    if (error.details.evidence !== undefined) meta.evidence?.push(...error.details.evidence);
    if (error.details.likelyCause !== undefined) meta.likelyCause = error.details.likelyCause;
    if (error.details.reproduce !== undefined) meta.reproduce = error.details.reproduce;
    if (error.details.origin !== undefined) meta.origin = error.details.origin;
    return;
  }
  // An expect() that did not hold compares what was wanted with what was seen.
  meta.classification = error instanceof Error && error.name === 'AssertionError' ? 'mismatch' : 'error';
  meta.message = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
  if (error instanceof TransportError) {
    meta.likelyCause = `the probe agent ${error.agent} could not be asked (${error.via}); the check could not observe anything`;
  }
}
