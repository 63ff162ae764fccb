// Runs suite files with vitest, started from code (createVitest), with our reporter only and our
// own exit code. Vitest's own output goes to a buffer, not the terminal; its signal and
// unhandled-rejection listeners (which end the process at once) are removed, so our cleanup runs.
//
// The workers may start before the cluster is set up: start() hands them what is known already
// (the rate budget, the profile's checks) and they load their suite files, then wait before each
// suite's first check until deliver() posts the run context (or withhold() says why there is none).
import { enableCompileCache } from 'node:module';
import { PassThrough } from 'node:stream';
import { createVitest, type Reporter as VitestReporter, type Vitest } from 'vitest/node';
import { createMailbox, post, withhold } from './mailbox.ts';
import { CONTEXT_KEY, type EarlyRun, type RunContext } from './run-context.ts';

export interface SuiteRunOptions {
  root: string;
  // Suite files, relative to root.
  files: string[];
  reporter: VitestReporter;
  concurrency: number;
  checkTimeoutMs: number;
  hookTimeoutMs: number;
}

export interface SuiteRunner {
  // Starts the workers; each suite waits before its first check for deliver() or withhold().
  start(early: EarlyRun): void;
  // The run context, to every waiting worker (once).
  deliver(context: RunContext): void;
  // The suites will not run: their waits end with this reason (once, instead of deliver).
  withhold(reason: string): void;
  // Settles when every suite file ran, or was cancelled (after start).
  finished(): Promise<void>;
  // start, deliver and finished at once: a run context that is ready.
  run(context: RunContext): Promise<void>;
  // Stops the run: running checks are abandoned after graceMs.
  cancel(graceMs: number): Promise<void>;
  close(): Promise<void>;
  // What vitest itself printed (shown with --verbose or when something broke).
  output(): string;
}

const GUARDED_EVENTS = ['SIGINT', 'SIGTERM', 'unhandledRejection', 'uncaughtException'] as const;
type Listener = (...args: unknown[]) => void;
// process.listeners() and process.off() typed for any event name.
const events = process as unknown as { listeners(event: string): Listener[]; off(event: string, listener: Listener): void };

// Removes the process listeners `create` added, leaving ours in place. Each is removed as soon as it
// is added, not only when `create` ends: vitest's SIGINT/SIGTERM listener exits the process 1 ms
// after a signal, so a Ctrl-C while vitest starts (seconds) would skip the run's cleanup. A signal is
// dispatched from the event loop, never between a listener's registration and the next microtask.
export async function withoutForeignListeners<T>(create: () => Promise<T>): Promise<T> {
  const before = new Map(GUARDED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const guarded = new Set<string | symbol>(GUARDED_EVENTS);
  const evict = (event: string | symbol, listener: Listener): void => {
    if (guarded.has(event)) queueMicrotask(() => events.off(String(event), listener));
  };
  process.on('newListener', evict);
  try {
    return await create();
  } finally {
    process.off('newListener', evict);
    for (const event of GUARDED_EVENTS) {
      for (const listener of events.listeners(event)) {
        if (!before.get(event)?.has(listener)) events.off(event, listener);
      }
    }
  }
}

// Enough for every suite there is to run at once; each worker is a thread mostly waiting on I/O.
const MAX_SUITE_WORKERS = 16;

/**
 * Every suite worker loads the same modules and strips the same TypeScript, on the same cores as
 * the cluster a local run probes. Node's compile cache (on disk, in the OS temporary directory
 * unless NODE_COMPILE_CACHE names one; NODE_DISABLE_COMPILE_CACHE turns it off) keeps what one run
 * compiled for the next: workers read the directory from NODE_COMPILE_CACHE, so it is set for them.
 * Measured: a full run's runner CPU time from 17.5 s to 14.4 s.
 */
export function shareCompileCache(env: NodeJS.ProcessEnv = process.env, enable: () => { directory?: string } = enableCompileCache): void {
  if (env.NODE_DISABLE_COMPILE_CACHE !== undefined || env.NODE_COMPILE_CACHE !== undefined) return;
  const { directory } = enable();
  if (directory !== undefined) env.NODE_COMPILE_CACHE = directory;
}

export async function createSuiteRunner(options: SuiteRunOptions): Promise<SuiteRunner> {
  shareCompileCache();
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const vitest: Vitest = await withoutForeignListeners(() =>
    createVitest(
      {
        config: false,
        root: options.root,
        include: options.files,
        watch: false,
        reporters: [options.reporter],
        pool: 'threads',
        fileParallelism: true,
        // Suites wait on the cluster, not on this machine's CPUs: every suite file gets its own
        // worker (vitest's default is one fewer than the CPUs, a single worker on 2 cores, which
        // ran the suites one after another).
        maxWorkers: Math.max(1, Math.min(options.files.length, MAX_SUITE_WORKERS)),
        maxConcurrency: options.concurrency,
        testTimeout: options.checkTimeoutMs,
        hookTimeout: options.hookTimeoutMs,
        teardownTimeout: 10_000,
        includeTaskLocation: true,
        passWithNoTests: true,
        silent: true,
        // Suites are plain ESM TypeScript that Node runs itself (type stripping): no Vite transform
        // of every module for every worker, and no loader hook (suites use no vi.mock).
        experimental: { viteModuleRunner: false, nodeLoader: false },
      },
      {},
      { stdout: sink, stderr: sink },
    ),
  );
  const mailbox = createMailbox();
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const runner: SuiteRunner = {
    start(early) {
      if (started !== undefined) throw new Error('the suite workers were already started');
      vitest.provide(CONTEXT_KEY, { ...early, mailbox });
      // Vitest sets the process's exit code when a test fails; the run decides its own.
      const exitCode = process.exitCode;
      started = withoutForeignListeners(() => vitest.start()).then(
        () => void (process.exitCode = exitCode),
        (error: unknown) => {
          process.exitCode = exitCode;
          throw error;
        },
      );
      // Awaited in finished(); meanwhile a failure to start must not be an unhandled rejection.
      started.catch(() => undefined);
    },
    deliver(context) {
      // The rate budget's SharedArrayBuffer went with start(); the rest is JSON.
      const { rate: _rate, ...rest } = context;
      // The mailbox refuses a second answer.
      post(mailbox, rest);
    },
    withhold(reason) {
      withhold(mailbox, reason);
    },
    async finished() {
      if (started === undefined) throw new Error('the suite workers were not started');
      await started;
    },
    async run(context) {
      runner.start({
        rate: context.rate,
        ...(context.checks === undefined ? {} : { checks: context.checks }),
        ...(context.streamLog === undefined ? {} : { streamLog: context.streamLog }),
      });
      runner.deliver(context);
      await runner.finished();
    },
    async cancel(graceMs) {
      await Promise.race([vitest.cancelCurrentRun('keyboard-input'), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
    close() {
      closing ??= vitest.close();
      return closing;
    },
    output: () => Buffer.concat(chunks).toString(),
  };
  return runner;
}
