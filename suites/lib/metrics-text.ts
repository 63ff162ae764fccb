// Samples of a Prometheus exposition text (what the API server's /metrics serves), by metric family:
// the control-plane suite reads etcd's figures from it, the gate the deprecated APIs in use.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

// The samples of the named metric families (exposition text format); other lines are skipped.
export function parseSamples(text: string, names: readonly string[]): Sample[] {
  const wanted = new Set(names);
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = SAMPLE.exec(line);
    if (match === null || !wanted.has(match[1] ?? '')) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] ?? ''] = label[2] ?? '';
    const value = Number(match[3]);
    if (Number.isFinite(value)) samples.push({ name: match[1] ?? '', labels, value });
  }
  return samples;
}
