// Typed failures of the local cluster harness: a stable code, one line, a hint, and the tail of
// the log of the component that failed, so a red CI run says what broke without digging.

export const clusterErrorCodes = {
  CLUSTER_NOT_ROOT: 'the local cluster needs root (network namespaces, mounts, cgroups)',
  CLUSTER_MISSING_TOOL: 'a required program is not installed',
  CLUSTER_BUILD_FAILED: 'building a component from its Go module failed',
  CLUSTER_COMMAND_FAILED: 'a command the harness ran failed',
  CLUSTER_COMPONENT_FAILED: 'a cluster component did not become healthy in time',
  CLUSTER_NOT_RUNNING: 'no local cluster is running',
  CLUSTER_LEFTOVERS: 'cluster:down could not remove everything',
} as const;

export type ClusterErrorCode = keyof typeof clusterErrorCodes;

export class ClusterError extends Error {
  readonly code: ClusterErrorCode;
  readonly hint: string | undefined;
  readonly logTail: string | undefined;

  constructor(code: ClusterErrorCode, message: string, opts: { hint?: string; logTail?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ClusterError';
    this.code = code;
    this.hint = opts.hint;
    this.logTail = opts.logTail;
  }
}

export function formatClusterError(err: unknown): string {
  if (!(err instanceof ClusterError)) return `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  const lines = [`error ${err.code}: ${err.message}`];
  if (err.logTail) lines.push('--- log tail ---', err.logTail.trimEnd(), '---');
  if (err.hint) lines.push(`hint: ${err.hint}`);
  return lines.join('\n');
}
