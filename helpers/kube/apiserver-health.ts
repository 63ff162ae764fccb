// The API server's own health report (read by the engine's diagnosis and by the control-plane suite): /readyz?verbose and /livez?verbose list every named check
// ("[+]etcd ok", "[-]poststarthook/rbac/bootstrap-roles failed: reason withheld") and end with a
// summary line. Parsed into one line of evidence per check; a failing check is named with what
// usually makes it fail.

export interface HealthLine {
  name: string;
  status: 'ok' | 'failed' | 'excluded';
  // The text after "failed:" (usually "reason withheld" for unprivileged callers).
  reason?: string;
}

export interface HealthReport {
  endpoint: string;
  httpStatus: number;
  lines: HealthLine[];
  // The closing line, e.g. "readyz check passed".
  summary?: string;
  passed: boolean;
}

const LINE = /^\[([+-])\]([^\s]+)\s+(ok|failed|excluded)(?::\s*(.*))?$/;

export function parseHealth(endpoint: string, httpStatus: number, text: string): HealthReport {
  const lines: HealthLine[] = [];
  let summary: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) {
      if (/check (passed|failed)/.test(line)) summary = line;
      continue;
    }
    const status = match[3] as HealthLine['status'];
    lines.push({
      name: match[2] ?? '',
      status: match[1] === '-' && status === 'ok' ? 'failed' : status,
      ...(match[4] === undefined || match[4] === '' ? {} : { reason: match[4] }),
    });
  }
  const anyFailed = lines.some((l) => l.status === 'failed');
  return { endpoint, httpStatus, lines, ...(summary === undefined ? {} : { summary }), passed: httpStatus === 200 && !anyFailed && lines.length > 0 };
}

export function failedLines(report: HealthReport): HealthLine[] {
  return report.lines.filter((line) => line.status === 'failed');
}

export function healthEvidence(report: HealthReport): string {
  const body = report.lines.map(
    (l) => `${l.status === 'ok' ? '[+]' : l.status === 'excluded' ? '[~]' : '[-]'}${l.name} ${l.status}${l.reason === undefined ? '' : `: ${l.reason}`}`,
  );
  return [`GET ${report.endpoint}: HTTP ${report.httpStatus}${report.summary === undefined ? '' : ` (${report.summary})`}`, ...body].join('\n');
}

// What usually makes a named check fail, by name (longest prefix first).
const CAUSES: [prefix: string, cause: string][] = [
  ['etcd-readiness', 'etcd does not answer the API server within its readiness timeout: etcd down, slow disk, or lost quorum'],
  ['etcd', 'the API server cannot reach etcd: etcd is down, its client certificate or endpoint (--etcd-servers) is wrong, or etcd lost quorum'],
  ['informer-sync', 'the API server has not finished syncing its informers: it is starting, or etcd answers slowly'],
  ['poststarthook/rbac/bootstrap-roles', 'the API server has not written the default RBAC roles: etcd is read-only or unreachable'],
  ['poststarthook/', 'a start-up hook of the API server has not completed: it is still starting or one of its dependencies (etcd, an aggregated API) fails'],
  ['shutdown', 'the API server is shutting down'],
  ['ping', 'the API server is not serving'],
  ['log', 'the API server cannot write its log'],
  ['kms-providers', 'the API server cannot reach its KMS encryption provider'],
];

export function likelyCauseOf(name: string): string {
  for (const [prefix, cause] of CAUSES) if (name === prefix || (prefix.endsWith('/') && name.startsWith(prefix)) || name.startsWith(`${prefix}-`)) return cause;
  return `the API server's "${name}" check fails`;
}

// The etcd lines of a report ([+]etcd, [+]etcd-readiness).
export function etcdLines(report: HealthReport): HealthLine[] {
  return report.lines.filter((line) => line.name === 'etcd' || line.name.startsWith('etcd-'));
}
