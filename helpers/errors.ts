// Typed errors with stable codes. The code, not the message, is the contract:
// CI matches on it, docs link to it, and it decides the exit code.
import { terminalText } from './terminal-text.ts';

interface ErrorCodeSpec {
  readonly description: string;
  readonly hint: string;
  // True when the run could not produce a verdict about the cluster (exit 2),
  // false when the error is itself a finding or leaves the verdict intact.
  readonly couldNotRun: boolean;
}

export const ERROR_CODES = {
  SD_KUBECONFIG_INVALID: {
    description: 'The kubeconfig is missing, unreadable or has no usable context.',
    hint: 'Point --kubeconfig or KUBECONFIG at a valid file and check that its current context exists.',
    couldNotRun: true,
  },
  SD_API_UNREACHABLE: {
    description: 'The Kubernetes API server could not be reached.',
    hint: 'Check the server address in the kubeconfig, the network path to it (VPN, firewall) and that the API server is up.',
    couldNotRun: true,
  },
  SD_API_UNHEALTHY: {
    description: 'The Kubernetes API server answers but reports itself unhealthy (etcd or one of its own checks).',
    hint: 'Read the API server\'s own health report: kubectl get --raw "/readyz?verbose".',
    couldNotRun: true,
  },
  SD_FORBIDDEN: {
    description: 'The credentials lack a permission shakedown needs.',
    hint: 'Grant the verb and resource named in the message to the user of the current context, or run as a cluster admin.',
    couldNotRun: true,
  },
  SD_BAD_FLAG: {
    description: 'A command-line flag is unknown or has an invalid value.',
    hint: 'See the usage with --help.',
    couldNotRun: true,
  },
  SD_CONFIG_INVALID: {
    description: 'The configuration file has an invalid key or value.',
    hint: 'Fix the key named in the message; a flag or environment variable overrides the file.',
    couldNotRun: true,
  },
  SD_PROFILE_INVALID: {
    description: 'A run profile names a suite or a check that does not exist.',
    hint: 'This is a bug in the profile table (helpers/engine/profiles.ts): every entry must name a suite and a check its manifest declares.',
    couldNotRun: true,
  },
  SD_TIMEOUT: {
    description: 'The run did not finish within its deadline; results are partial.',
    hint: 'Raise the run timeout or select fewer suites.',
    couldNotRun: true,
  },
  SD_SETUP_FAILED: {
    description: 'Shared fixtures (namespaces, probe pods) could not be set up.',
    hint: 'Read the details for the fixture that failed and its events; image pulls, quotas and admission webhooks are the usual causes.',
    couldNotRun: true,
  },
  SD_INTERRUPTED: {
    description: 'The run stopped before it finished; results are partial.',
    hint: 'Rerun to completion before trusting the results.',
    couldNotRun: true,
  },
  SD_INGRESS_ABSENT: {
    description: 'No ingress controller serves the requested IngressClass.',
    hint: 'Install an ingress controller, or name the IngressClass it serves.',
    couldNotRun: false,
  },
  SD_REPORT_WRITE_FAILED: {
    description: 'A report file could not be written.',
    hint: 'Check that the directory is writable and the disk is not full.',
    couldNotRun: false,
  },
  SD_REPORTER_FAILED: {
    description: 'A reporter failed; the run and the other reporters went on.',
    hint: 'The output of that reporter may be missing or incomplete.',
    couldNotRun: false,
  },
  SD_INTERNAL: {
    description: 'An unexpected error inside shakedown.',
    hint: 'This is a bug: rerun with verbose output and file an issue with the details.',
    couldNotRun: true,
  },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ShakedownErrorOptions {
  details?: string;
  hint?: string;
  cause?: unknown;
}

export class ShakedownError extends Error {
  override readonly name = 'ShakedownError';
  readonly code: ErrorCode;
  readonly details: string | undefined;
  readonly hint: string;

  // The message is kept to one line; any further lines move to the front of `details`.
  constructor(code: ErrorCode, message: string, options: ShakedownErrorOptions = {}) {
    const [first = '', ...rest] = message.trim().split(/\r?\n/);
    super(first.trim() || ERROR_CODES[code].description, { cause: options.cause });
    this.code = code;
    this.details = [...rest, ...(options.details === undefined ? [] : [options.details])].join('\n').trim() || undefined;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
  }

  get couldNotRun(): boolean {
    return ERROR_CODES[this.code].couldNotRun;
  }
}

// Wraps anything thrown into a ShakedownError, keeping the original as `cause`.
export function asShakedownError(error: unknown, code: ErrorCode = 'SD_INTERNAL'): ShakedownError {
  if (error instanceof ShakedownError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ShakedownError(code, message, { cause: error });
}

// A message or hint longer than this is cut on the console (the reports keep it whole).
const MAX_MESSAGE = 2000;

// The error for a terminal: its message often quotes the cluster (an API error, an event, a
// plugin's output), so every part is made safe to print (terminal-text.ts) and capped.
export function formatError(error: unknown, options: { verbose: boolean }): string {
  const err = asShakedownError(error);
  const lines = [`error ${err.code}: ${terminalText(err.message, { oneLine: true, max: MAX_MESSAGE })}`];
  if (options.verbose) {
    if (err.details !== undefined)
      lines.push(
        ...terminalText(err.details)
          .split('\n')
          .map((line) => `  ${line}`),
      );
    lines.push(...causeChain(err.cause).map((line) => terminalText(line)));
  }
  lines.push(`hint: ${terminalText(err.hint, { oneLine: true, max: MAX_MESSAGE })}`);
  return lines.join('\n');
}

function causeChain(cause: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  for (let current = cause; current !== undefined && !seen.has(current);) {
    seen.add(current);
    if (current instanceof ShakedownError) {
      lines.push(`caused by: ${current.code}: ${current.message}`);
    } else if (current instanceof Error) {
      lines.push(`caused by: ${current.stack ?? `${current.name}: ${current.message}`}`);
    } else {
      lines.push(`caused by: ${String(current)}`);
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}
