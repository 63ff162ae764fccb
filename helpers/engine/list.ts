// `shakedown list`: the suites and their checks with one-line descriptions, read from the suites'
// manifests only: no suite code runs, vitest is not started, the cluster is not touched.
import { formatMs } from '../config-values.ts';
import type { SuiteManifest } from './manifest.ts';

export function formatListing(suites: readonly SuiteManifest[], options: { verbose: boolean } = { verbose: false }): string {
  const lines: string[] = [];
  for (const suite of suites) {
    lines.push(`${suite.name}  ${suite.description}`);
    const width = Math.max(0, ...suite.checks.map((check) => check.title.length));
    for (const check of suite.checks) lines.push(`  ${check.title.padEnd(width)}  ${check.description}`.trimEnd());
    if (options.verbose) lines.push(...suiteFacts(suite).map((line) => `  ${line}`));
    lines.push('');
  }
  return lines.join('\n');
}

// What a suite needs, one fact a line: setup, exclusivity, options, images.
export function suiteFacts(suite: SuiteManifest): string[] {
  const facts = [`setup: ${suite.setup.length === 0 ? 'none (read-only)' : suite.setup.join(', ')}${suite.exclusive ? '; runs alone' : ''}`];
  for (const spec of Object.values(suite.options)) {
    const fallback = defaultText(spec.default, spec.type.shape === 'DURATION');
    facts.push(
      `option --${spec.flag}${spec.type.flag.type === 'boolean' ? '' : ` ${spec.type.shape}`}${fallback === undefined ? '' : ` (default ${fallback})`}`,
    );
  }
  if (suite.images.length > 0) facts.push(`images: ${suite.images.join(', ')}`);
  return facts;
}

export function defaultText(value: unknown, isDuration: boolean): string | undefined {
  if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) return undefined;
  if (isDuration && typeof value === 'number') return formatMs(value);
  return String(value);
}
