import { ShakedownError } from '../helpers/errors.ts';
import type { Reporter, ReporterHook } from './reporter.ts';

// Fans every hook out to all reporters and contains their failures: a reporter
// that throws or rejects never stops the others or the run. Each failure is
// collected, and surfaced through `onFailure` the first time a given reporter
// fails in a given hook, so a reporter broken in onCheckEnd reports once, not
// once per check.

export interface ReporterFailure {
  reporter: string;
  hook: ReporterHook;
  error: ShakedownError;
  occurrences: number;
}

export interface Multiplexer extends Required<Reporter> {
  readonly failures: readonly ReporterFailure[];
}

type HookArgs<K extends ReporterHook> = Parameters<NonNullable<Reporter[K]>>;
type Hook<K extends ReporterHook> = (...args: HookArgs<K>) => void | Promise<void>;

export function createMultiplexer(reporters: Readonly<Record<string, Reporter>>, onFailure: (failure: ReporterFailure) => void): Multiplexer {
  const failures = new Map<string, ReporterFailure>();

  function record(reporter: string, hook: ReporterHook, thrown: unknown): void {
    const key = `${reporter}\0${hook}`;
    const known = failures.get(key);
    if (known) {
      known.occurrences += 1;
      return;
    }
    const failure: ReporterFailure = { reporter, hook, error: reporterError(reporter, hook, thrown), occurrences: 1 };
    failures.set(key, failure);
    onFailure(failure);
  }

  async function dispatch<K extends ReporterHook>(hook: K, ...args: HookArgs<K>): Promise<void> {
    await Promise.all(
      Object.entries(reporters).map(async ([name, reporter]) => {
        const fn = reporter[hook] as Hook<K> | undefined;
        if (fn === undefined) return;
        try {
          await fn.apply(reporter, args);
        } catch (thrown) {
          record(name, hook, thrown);
        }
      }),
    );
  }

  return {
    get failures() {
      return [...failures.values()];
    },
    onPlan: (...args) => dispatch('onPlan', ...args),
    onRunStart: (...args) => dispatch('onRunStart', ...args),
    onSuiteStart: (...args) => dispatch('onSuiteStart', ...args),
    onCheckStart: (...args) => dispatch('onCheckStart', ...args),
    onCheckEnd: (...args) => dispatch('onCheckEnd', ...args),
    onProgress: (...args) => dispatch('onProgress', ...args),
    onSetupError: (...args) => dispatch('onSetupError', ...args),
    onRunEnd: (...args) => dispatch('onRunEnd', ...args),
    flush: () => dispatch('flush'),
  };
}

function reporterError(reporter: string, hook: ReporterHook, thrown: unknown): ShakedownError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  // A reporter's own ShakedownError knows the better hint (e.g. a full disk).
  const hint = thrown instanceof ShakedownError ? thrown.hint : undefined;
  return new ShakedownError('SD_REPORTER_FAILED', `reporter ${reporter} failed in ${hook}: ${message}`, { cause: thrown, hint });
}
