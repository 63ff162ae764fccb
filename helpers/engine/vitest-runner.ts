// Runs suite files with vitest, started from code (createVitest), with our reporter only and our
// own exit code. Vitest's own output goes to a buffer, not the terminal; its signal and
// unhandled-rejection listeners (which end the process at once) are removed, so our cleanup runs.
import { PassThrough } from 'node:stream';
import { createVitest, type Reporter as VitestReporter, type Vitest } from 'vitest/node';
import { CONTEXT_KEY, type RunContext } from './run-context.ts';

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
  provide(context: RunContext): void;
  run(): Promise<void>;
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

// Removes the process listeners `create` added, leaving ours in place.
async function withoutForeignListeners<T>(create: () => Promise<T>): Promise<T> {
  const before = new Map(GUARDED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  try {
    return await create();
  } finally {
    for (const event of GUARDED_EVENTS) {
      for (const listener of events.listeners(event)) {
        if (!before.get(event)?.has(listener)) events.off(event, listener);
      }
    }
  }
}

// Enough for every suite there is to run at once; each worker is a thread mostly waiting on I/O.
const MAX_SUITE_WORKERS = 16;

export async function createSuiteRunner(options: SuiteRunOptions): Promise<SuiteRunner> {
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
      },
      {},
      { stdout: sink, stderr: sink },
    ),
  );
  return {
    provide(context) {
      vitest.provide(CONTEXT_KEY, context);
    },
    async run() {
      await withoutForeignListeners(() => vitest.start());
    },
    async cancel(graceMs) {
      await Promise.race([vitest.cancelCurrentRun('keyboard-input'), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
    async close() {
      await vitest.close();
    },
    output: () => Buffer.concat(chunks).toString(),
  };
}
