// Correlate before you report: what the failing observations of a check have in common.
//
// Each observation is one probe, query or request, with its facets (the source node, the target
// node, the DNS server or replica asked, the port, the protocol, the payload size, the direction)
// and whether it came out as expected. A dimension explains the failures when it splits its values
// cleanly: some values only ever fail (the origin), others only ever succeed (the proof that the
// rest works), none do both. One value on one dimension is the strongest finding ("every query
// from pods on node2 times out, the same queries from node1 succeed"); several values, or two
// dimensions together ("from node2 AND with large payloads"), are weaker; when nothing splits
// cleanly, or nothing succeeded to compare with, there is no origin to name and the caller says so.
import type { Origin } from '../result.ts';

export interface Observation {
  ok: boolean;
  // Dimension -> value, e.g. { 'source-node': 'node2', server: 'coredns-7d9f', protocol: 'udp' }.
  facets: Readonly<Record<string, string>>;
  // What a failing observation saw, in a word or two ("timeout", "refused", "NXDOMAIN").
  seen?: string;
}

export interface OriginOptions {
  // What an observation is called: { one: 'query', many: 'queries' }; default probe/probes.
  noun?: { one: string; many: string };
  // Dimensions in order of preference when several explain the failures equally well.
  priority?: readonly string[];
  // How a dimension's values read after the noun ("from pods on node2"); defaults cover the usual ones.
  phrase?: (dimension: string, values: readonly string[]) => string | undefined;
  // What the finding means, appended after a colon ("the path from node2 to the DNS Service is blocked").
  conclude?: (origin: { dimensions: readonly string[]; values: readonly string[] }) => string | undefined;
  // The component the finding points at ("kube-proxy on node2"), so checks that fail for it are grouped as one.
  suspect?: (origin: { dimensions: readonly string[]; values: readonly string[] }) => string | undefined;
}

export const DEFAULT_PRIORITY: readonly string[] = ['source-node', 'target-node', 'replica', 'server', 'direction', 'port', 'protocol', 'payload', 'family'];

interface Split {
  dimensions: string[];
  failingOnly: string[];
  healthyOnly: string[];
}

const PAIR_SEPARATOR = ' & ';

function keyOf(observation: Observation, dimensions: readonly string[]): string | undefined {
  const values = dimensions.map((d) => observation.facets[d]);
  return values.some((v) => v === undefined) ? undefined : values.join(PAIR_SEPARATOR);
}

// A clean split of the observations by these dimensions, or undefined when some value both fails and succeeds.
function split(observations: readonly Observation[], dimensions: string[]): Split | undefined {
  const failing = new Set<string>();
  const healthy = new Set<string>();
  for (const observation of observations) {
    const key = keyOf(observation, dimensions);
    if (key === undefined) return undefined;
    (observation.ok ? healthy : failing).add(key);
  }
  if (failing.size === 0 || healthy.size === 0) return undefined;
  for (const key of failing) if (healthy.has(key)) return undefined;
  return { dimensions, failingOnly: [...failing].sort(), healthyOnly: [...healthy].sort() };
}

function dimensionsOf(observations: readonly Observation[], priority: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const observation of observations) for (const dimension of Object.keys(observation.facets)) seen.add(dimension);
  const rank = (d: string) => {
    const index = priority.indexOf(d);
    return index === -1 ? priority.length : index;
  };
  return [...seen].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// Fewer dimensions first, then fewer failing values, then the preferred dimension.
function better(a: Split, b: Split, rank: (split: Split) => number): boolean {
  if (a.dimensions.length !== b.dimensions.length) return a.dimensions.length < b.dimensions.length;
  if (a.failingOnly.length !== b.failingOnly.length) return a.failingOnly.length < b.failingOnly.length;
  return rank(a) < rank(b);
}

// Two splits describe the same grouping of observations (e.g. source-node and source-pod with one pod per node).
function sameGrouping(observations: readonly Observation[], a: Split, b: Split): boolean {
  const failingA = new Set(a.failingOnly);
  const failingB = new Set(b.failingOnly);
  return observations.every((o) => failingA.has(keyOf(o, a.dimensions) ?? '') === failingB.has(keyOf(o, b.dimensions) ?? ''));
}

export function defaultPhrase(dimension: string, values: readonly string[]): string {
  const list = listOf(values);
  switch (dimension) {
    case 'source-node':
      return `from pods on ${list}`;
    case 'target-node':
      return `to pods on ${list}`;
    case 'replica':
      return `to replica ${list}`;
    case 'server':
      return `to ${list}`;
    case 'direction':
      return `in direction ${list}`;
    case 'port':
      return `to port ${list}`;
    case 'protocol':
      return `over ${list}`;
    case 'payload':
      return `with ${list} payloads`;
    case 'family':
      return `over ${list}`;
    default:
      return `with ${dimension} ${list}`;
  }
}

function listOf(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}

function phraseOf(split: Split, keys: readonly string[], options: OriginOptions): string {
  // keys are joined values of split.dimensions; phrase each dimension over its distinct values.
  return split.dimensions
    .map((dimension, i) => {
      const values = [...new Set(keys.map((key) => key.split(PAIR_SEPARATOR)[i] ?? ''))].sort();
      return options.phrase?.(dimension, values) ?? defaultPhrase(dimension, values);
    })
    .join(' ');
}

// The common origin of the failing observations, or undefined when there is none to name (nothing
// failed, nothing succeeded, or no dimension or pair of dimensions splits them cleanly).
export function findOrigin(observations: readonly Observation[], options: OriginOptions = {}): Origin | undefined {
  const failing = observations.filter((o) => !o.ok);
  const healthy = observations.filter((o) => o.ok);
  if (failing.length === 0 || healthy.length === 0) return undefined;
  const priority = options.priority ?? DEFAULT_PRIORITY;
  const dimensions = dimensionsOf(observations, priority);
  const rank = (s: Split) => Math.min(...s.dimensions.map((d) => dimensions.indexOf(d)));

  const candidates: Split[] = [];
  for (const dimension of dimensions) {
    const found = split(observations, [dimension]);
    if (found !== undefined) candidates.push(found);
  }
  if (candidates.length === 0) {
    for (let i = 0; i < dimensions.length; i++) {
      for (let j = i + 1; j < dimensions.length; j++) {
        const found = split(observations, [dimensions[i] ?? '', dimensions[j] ?? '']);
        // A pair is worth naming only when its failing side is one combination.
        if (found !== undefined && found.failingOnly.length === 1) candidates.push(found);
      }
    }
  }
  let best: Split | undefined;
  for (const candidate of candidates) if (best === undefined || better(candidate, best, rank)) best = candidate;
  if (best === undefined) return undefined;
  const chosen = best;

  // Other dimensions that group the observations exactly the same way say the same thing.
  const twins = candidates.filter((c) => c !== chosen && c.dimensions.length === 1 && chosen.dimensions.length === 1 && sameGrouping(observations, c, chosen));
  const single = chosen.dimensions.length === 1 && chosen.failingOnly.length === 1;
  const thin = failing.length < 2 || healthy.length < 2;
  const confidence: Origin['confidence'] = single ? (thin ? 'medium' : 'high') : thin ? 'low' : 'medium';

  const noun = options.noun ?? { one: 'probe', many: 'probes' };
  const subject = failing.length === 1 ? `the one ${noun.one}` : `all ${failing.length} ${noun.many}`;
  const verb = failing.length === 1 ? 'fails' : 'fail';
  const seen = new Set(failing.map((o) => o.seen ?? ''));
  const what = seen.size === 1 && !seen.has('') ? ` (${[...seen][0]})` : '';
  const conclusion = options.conclude?.({ dimensions: chosen.dimensions, values: chosen.failingOnly });
  const twinNote = twins.length === 0 ? '' : ` (the same ${noun.many} as ${twins.map((t) => `${t.dimensions[0]} ${listOf(t.failingOnly)}`).join(', ')})`;
  const summary =
    `${subject} ${phraseOf(chosen, chosen.failingOnly, options)} ${verb}${what}${twinNote}; ` +
    `the ${healthy.length} ${healthy.length === 1 ? noun.one : noun.many} ${phraseOf(chosen, chosen.healthyOnly, options)} succeed${healthy.length === 1 ? 's' : ''}` +
    (conclusion === undefined ? '' : `: ${conclusion}`);
  const suspect = options.suspect?.({ dimensions: chosen.dimensions, values: chosen.failingOnly });
  return {
    dimension: chosen.dimensions.join(PAIR_SEPARATOR),
    value: chosen.failingOnly.join(', '),
    summary,
    confidence,
    ...(suspect === undefined ? {} : { suspect }),
  };
}
