// Small numbers for evidence: medians and per-node timings.

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function ms(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export interface NodeTiming {
  node: string;
  // Undefined when it never happened within the bound.
  ms?: number;
  detail?: string;
}

export function timingLine(timings: readonly NodeTiming[]): string {
  return timings.map((t) => `${t.node} ${t.ms === undefined ? `not within the bound${t.detail === undefined ? '' : ` (${t.detail})`}` : ms(t.ms)}`).join(', ');
}

// Nodes whose timing is missing (never happened) or over the bound.
export function lateNodes(timings: readonly NodeTiming[], boundMs: number): NodeTiming[] {
  return timings.filter((t) => t.ms === undefined || t.ms > boundMs);
}
