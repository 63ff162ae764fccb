// Finalizers of a run, run in reverse order of registration, each at most once, each failure kept
// and the rest still run. A second call waits for the first instead of running anything again.
// A finalizer pushed once cleanup has started (setup racing a Ctrl-C) still runs: the unwinding
// picks it up, or, when unwinding is over, runAll() runs it on its next call.

export interface CleanupFailure {
  name: string;
  error: unknown;
}

export interface CleanupStack {
  push(name: string, finalizer: () => Promise<void>): void;
  runAll(): Promise<CleanupFailure[]>;
  readonly size: number;
}

export function createCleanupStack(onStep?: (name: string) => void): CleanupStack {
  const stack: { name: string; finalizer: () => Promise<void> }[] = [];
  let running: Promise<CleanupFailure[]> | undefined;

  async function unwind(): Promise<CleanupFailure[]> {
    const failures: CleanupFailure[] = [];
    for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
      onStep?.(step.name);
      try {
        await step.finalizer();
      } catch (error) {
        failures.push({ name: step.name, error });
      }
    }
    return failures;
  }

  return {
    push(name, finalizer) {
      stack.push({ name, finalizer });
    },
    runAll() {
      if (running === undefined) {
        running = unwind();
        return running;
      }
      const first = running;
      // Late finalizers run after the first unwinding, and their failures are added to its list.
      running = first.then(async (failures) => [...failures, ...(await unwind())]);
      return running;
    },
    get size() {
      return stack.length;
    },
  };
}
