// APIs actually used that the target removes or deprecates, from the API server's own metrics:
// apiserver_requested_deprecated_apis{group,version,resource,subresource,removed_release} (1 for
// every deprecated API requested since the process started), joined with apiserver_request_total
// (the requests, by verb and code), over the window since process_start_time_seconds. Pure.
import { parseSamples } from '../lib/metrics-text.ts';
import { groupVersionOf, removalOf, removedBy, type Removal } from './removals.ts';
import { minorText, parseMinor, type Minor } from './version.ts';

export interface DeprecatedUse {
  group: string;
  version: string;
  resource: string;
  subresource: string;
  // From the metric; '' when the API server knows no removal release.
  removedRelease: string;
  // The repo's table entry, when it has one.
  removal?: Removal;
  requests: number;
  // "list 12, watch 3".
  byVerb: string;
}

export interface DeprecatedReading {
  uses: DeprecatedUse[];
  // Seconds the API server process has been up: the window the counts cover.
  windowS?: number;
}

export function readDeprecated(metrics: string, nowMs: number): DeprecatedReading {
  const samples = parseSamples(metrics, ['apiserver_requested_deprecated_apis', 'apiserver_request_total', 'process_start_time_seconds']);
  const start = samples.find((s) => s.name === 'process_start_time_seconds')?.value;
  const requests = samples.filter((s) => s.name === 'apiserver_request_total');
  const uses = samples
    .filter((s) => s.name === 'apiserver_requested_deprecated_apis' && s.value > 0)
    .map((s): DeprecatedUse => {
      const { group = '', version = '', resource = '', subresource = '', removed_release: removedRelease = '' } = s.labels;
      const matching = requests.filter(
        (q) =>
          (q.labels.group ?? '') === group && q.labels.version === version && q.labels.resource === resource && (q.labels.subresource ?? '') === subresource,
      );
      const verbs = new Map<string, number>();
      for (const q of matching) verbs.set((q.labels.verb ?? '?').toLowerCase(), (verbs.get((q.labels.verb ?? '?').toLowerCase()) ?? 0) + q.value);
      const removal = removalOf(group, version, resource);
      return {
        group,
        version,
        resource,
        subresource,
        removedRelease,
        ...(removal === undefined ? {} : { removal }),
        requests: matching.reduce((t, q) => t + q.value, 0),
        byVerb: [...verbs.entries()]
          .sort(([, a], [, b]) => b - a)
          .map(([verb, n]) => `${verb} ${n}`)
          .join(', '),
      };
    });
  return { uses, ...(start === undefined ? {} : { windowS: Math.max(0, Math.round(nowMs / 1000 - start)) }) };
}

export type UseLevel = 'removed' | 'deprecated';

export interface JudgedUse {
  use: DeprecatedUse;
  level: UseLevel;
  line: string;
}

export const useName = (u: Pick<DeprecatedUse, 'group' | 'version' | 'resource' | 'subresource'>): string =>
  `${groupVersionOf(u.group, u.version)} ${u.resource}${u.subresource === '' ? '' : `/${u.subresource}`}`;

// 'removed' when the target (or an earlier release) stops serving it, 'deprecated' otherwise.
export function judgeUse(use: DeprecatedUse, target: Minor): JudgedUse {
  const removedIn = use.removedRelease !== '' ? use.removedRelease : (use.removal?.removedIn ?? '');
  const source = use.removedRelease !== '' ? 'the API server says' : use.removal !== undefined ? 'the removal table says' : '';
  const level: UseLevel = removedIn !== '' && removedBy(removedIn, target) ? 'removed' : 'deprecated';
  const count = `${use.requests} request(s)${use.byVerb === '' ? '' : ` (${use.byVerb})`}`;
  const when =
    removedIn === ''
      ? 'deprecated, no removal release announced'
      : level === 'removed'
        ? `REMOVED in ${removedIn} (${source}), at or before the target ${minorText(target)}`
        : `deprecated, removed in ${removedIn} (${source}), after the target ${minorText(target)}`;
  const to = use.removal === undefined ? '' : `; use ${use.removal.replacement}`;
  return { use, level, line: `${useName(use)}: ${count}; ${when}${to}` };
}

export function windowText(windowS: number | undefined): string {
  if (windowS === undefined) return 'since the API server started (process_start_time_seconds not reported)';
  const h = Math.floor(windowS / 3600);
  const m = Math.floor((windowS % 3600) / 60);
  return `over the last ${h > 0 ? `${h} h ` : ''}${m} min (since the API server process started)`;
}

export { parseMinor };
