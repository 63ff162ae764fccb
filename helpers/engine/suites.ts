// A suite is a folder suites/NAME/ holding NAME.suite.ts, its manifest.ts and the code only it
// uses. The engine finds suites by name and never imports their code: vitest loads the suite files
// in its workers, and the engine reads the manifests by path with a dynamic import.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalid, type Source } from '../config.ts';
import { ShakedownError } from '../errors.ts';
import { KNOBS, SETTING_KEYS } from '../settings.ts';
import { ManifestError, manifestProblems, type SuiteManifest } from './manifest.ts';
import { SUITE_FILE_SUFFIX } from './to-result.ts';

export const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');
export const SUITES_DIR = join(PACKAGE_ROOT, 'suites');
export const MANIFEST_FILE = 'manifest.ts';

export interface SuiteFile {
  name: string;
  // Relative to the package root, as vitest's include wants it.
  file: string;
  // Absolute: the engine imports it.
  manifestPath: string;
}

export interface LoadedSuite extends SuiteFile {
  manifest: SuiteManifest;
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
    .map((entry) => ({ name: entry, file: relative(root, join(dir, entry, `${entry}${SUITE_FILE_SUFFIX}`)), manifestPath: join(dir, entry, MANIFEST_FILE) }));
}

// Reads every suite's manifest (its default export). A suite without one, a manifest that does not
// load or is malformed, a name that is not its folder's, a flag, variable or config key that another
// suite or the engine already uses: each is an error naming the manifest's path.
export async function loadSuites(files: readonly SuiteFile[]): Promise<LoadedSuite[]> {
  const loaded = await Promise.all(files.map(loadSuite));
  const owners = new Map<string, string>();
  for (const key of SETTING_KEYS) {
    const knob = KNOBS[key];
    for (const id of [`flag --${knob.flag}`, `variable ${knob.env}`, `config key "${key}"`]) owners.set(id, 'the engine');
  }
  for (const suite of loaded) {
    for (const [name, spec] of Object.entries(suite.manifest.options)) {
      for (const id of [`flag --${spec.flag}`, `variable ${spec.env}`, `config key "${spec.key}"`]) {
        const owner = owners.get(id);
        if (owner !== undefined) throw badManifest(suite.manifestPath, `option ${name}: the ${id} is already used by ${owner}`);
        owners.set(id, `suite ${suite.name}`);
      }
    }
  }
  return loaded;
}

async function loadSuite(suite: SuiteFile): Promise<LoadedSuite> {
  if (!existsSync(suite.manifestPath))
    throw badManifest(suite.manifestPath, `suite ${suite.name} has no ${MANIFEST_FILE}: every suite declares itself with defineManifest()`);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(suite.manifestPath).href)) as { default?: unknown };
  } catch (error) {
    throw badManifest(suite.manifestPath, error instanceof ManifestError ? error.message : `cannot be loaded: ${(error as Error).message}`, error);
  }
  const manifest = module.default as SuiteManifest | undefined;
  if (manifest === undefined || typeof manifest !== 'object' || !Array.isArray(manifest.checks))
    throw badManifest(suite.manifestPath, 'has no default export made with defineManifest()');
  const problems = manifestProblems(manifest);
  if (manifest.name !== suite.name) problems.unshift(`names suite "${manifest.name}", but its folder is ${suite.name}`);
  if (problems.length > 0) throw badManifest(suite.manifestPath, problems.join('; '));
  return { ...suite, manifest };
}

function badManifest(path: string, problem: string, cause?: unknown): ShakedownError {
  return new ShakedownError('SD_INTERNAL', `${path}: ${problem}`, { cause, hint: 'A suite manifest is wrong: fix the file named (suites/NAME/manifest.ts).' });
}

// The suites asked for (all when none is named); an unknown name is an error naming its source.
export function selectSuites<S extends Pick<SuiteFile, 'name'>>(all: readonly S[], wanted: readonly string[], source: Source): S[] {
  if (wanted.length === 0) return [...all];
  const unknown = wanted.filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    const known = all.map((suite) => suite.name).join(', ') || 'none';
    throw invalid(source, `names no suite: ${unknown.join(', ')} (suites: ${known})`);
  }
  return all.filter((suite) => wanted.includes(suite.name));
}

// The order suites run in: those that may run together in one batch, then each exclusive suite
// alone, so that nothing else runs beside it.
export function runBatches<S extends { manifest: Pick<SuiteManifest, 'exclusive'> }>(suites: readonly S[]): S[][] {
  const shared = suites.filter((suite) => !suite.manifest.exclusive);
  const alone = suites.filter((suite) => suite.manifest.exclusive).map((suite) => [suite]);
  return [...(shared.length > 0 ? [shared] : []), ...alone];
}
