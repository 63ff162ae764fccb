// A suite is a folder suites/NAME/ holding NAME.suite.ts and the code only it uses. The engine
// finds suites by name and never imports them: vitest loads them in its workers.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { invalid, type Source } from '../config.ts';
import { SUITE_FILE_SUFFIX } from './to-result.ts';

export const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');
export const SUITES_DIR = join(PACKAGE_ROOT, 'suites');

export interface SuiteFile {
  name: string;
  // Relative to the package root, as vitest's include wants it.
  file: string;
}

export function discoverSuites(dir: string = SUITES_DIR, root: string = PACKAGE_ROOT): SuiteFile[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => existsSync(join(dir, entry, `${entry}${SUITE_FILE_SUFFIX}`)))
    .sort()
    .map((entry) => ({ name: entry, file: relative(root, join(dir, entry, `${entry}${SUITE_FILE_SUFFIX}`)) }));
}

// The suites asked for (all when none is named); an unknown name is an error naming its source.
export function selectSuites(all: readonly SuiteFile[], wanted: readonly string[], source: Source): SuiteFile[] {
  if (wanted.length === 0) return [...all];
  const unknown = wanted.filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    const known = all.map((suite) => suite.name).join(', ') || 'none';
    throw invalid(source, `names no suite: ${unknown.join(', ')} (suites: ${known})`);
  }
  return all.filter((suite) => wanted.includes(suite.name));
}
