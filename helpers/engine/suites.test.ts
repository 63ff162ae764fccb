import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import { rejection } from '../testing/shakedown-error.ts';
import { PACKAGE_ROOT, discoverSuites, loadSuites, runBatches, selectSuites } from './suites.ts';

const fixtures = join(PACKAGE_ROOT, 'test', 'fixtures', 'suites');
const MANIFEST_MODULE = join(PACKAGE_ROOT, 'helpers', 'engine', 'manifest.ts');

// A suites folder of its own: NAME -> the manifest's source (undefined: no manifest.ts).
function suitesDir(suites: Record<string, string | undefined>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sd-suites-'));
  for (const [name, manifest] of Object.entries(suites)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, `${name}.suite.ts`), '');
    if (manifest !== undefined) writeFileSync(join(dir, name, 'manifest.ts'), manifest);
  }
  return dir;
}

function manifestSource(name: string, options = '{}'): string {
  return `import { defineManifest } from ${JSON.stringify(MANIFEST_MODULE)};
export default defineManifest({ name: ${JSON.stringify(name)}, description: 'toy', checks: {}, options: ${options}, permissions: [], setup: [], exclusive: false, images: [] });\n`;
}

describe('suites', () => {
  it('finds NAME.suite.ts files, sorted, with paths relative to the root and their manifests', () => {
    const found = discoverSuites(fixtures);
    expect(found.map((s) => s.name)).toEqual([...found.map((s) => s.name)].sort());
    expect(found.map(({ name, file }) => ({ name, file }))).toEqual(
      expect.arrayContaining([
        { name: 'broken', file: 'test/fixtures/suites/broken/broken.suite.ts' },
        { name: 'drift', file: 'test/fixtures/suites/drift/drift.suite.ts' },
        { name: 'mixed', file: 'test/fixtures/suites/mixed/mixed.suite.ts' },
        { name: 'readonly', file: 'test/fixtures/suites/readonly/readonly.suite.ts' },
      ]),
    );
    expect(found.find((s) => s.name === 'mixed')?.manifestPath).toBe(join(fixtures, 'mixed', 'manifest.ts'));
    expect(discoverSuites(join(fixtures, 'nope'))).toEqual([]);
  });

  it('selects all, or the named ones, and names the source of an unknown name', () => {
    const all = discoverSuites(fixtures);
    expect(selectSuites(all, [], { kind: 'default' })).toEqual(all);
    expect(selectSuites(all, ['mixed'], { kind: 'default' }).map((s) => s.name)).toEqual(['mixed']);
    const error = (() => {
      try {
        selectSuites(all, ['dns'], { kind: 'flag', flag: 'suite' });
      } catch (e) {
        return e as ShakedownError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('SD_BAD_FLAG');
    expect(error?.message).toBe(`--suite names no suite: dns (suites: ${all.map((s) => s.name).join(', ')})`);
  });

  it('loads each manifest by path, without the suite code', async () => {
    const [mixed] = await loadSuites(selectSuites(discoverSuites(fixtures), ['mixed'], { kind: 'default' }));
    expect(mixed?.manifest).toMatchObject({ name: 'mixed', setup: ['fleet'], images: ['registry.example/toy:1'] });
    expect(mixed?.manifest.checks).toHaveLength(8);
  });

  it('refuses a suite without a manifest, a manifest named for another folder, and an option that clashes', async () => {
    const missing = suitesDir({ lost: undefined });
    expect((await rejection(loadSuites(discoverSuites(missing)))).message).toBe(
      `${join(missing, 'lost', 'manifest.ts')}: suite lost has no manifest.ts: every suite declares itself with defineManifest()`,
    );
    const misnamed = suitesDir({ one: manifestSource('two') });
    expect((await rejection(loadSuites(discoverSuites(misnamed)))).message).toContain('names suite "two", but its folder is one');
    const option = (flag: string, env: string, key: string) =>
      `{ x: { key: '${key}', flag: '${flag}', env: '${env}', type: { flag: { type: 'string' }, shape: 'TEXT', fromText: (t) => t, fromJson: (v) => v }, default: undefined, describe: 'x' } }`;
    const engine = suitesDir({ a: manifestSource('a', option('concurrency', 'SHAKEDOWN_A', 'aX')) });
    expect((await rejection(loadSuites(discoverSuites(engine)))).message).toContain('option x: the flag --concurrency is already used by the engine');
    const twice = suitesDir({ a: manifestSource('a', option('same', 'SHAKEDOWN_A', 'aX')), b: manifestSource('b', option('same', 'SHAKEDOWN_B', 'bX')) });
    expect((await rejection(loadSuites(discoverSuites(twice)))).message).toContain('option x: the flag --same is already used by suite a');
  });

  it('runs exclusive suites alone, after the others', () => {
    const s = (name: string, exclusive: boolean) => ({ name, manifest: { exclusive } });
    expect(runBatches([s('a', false), s('x', true), s('b', false), s('y', true)]).map((batch) => batch.map((suite) => suite.name))).toEqual([
      ['a', 'b'],
      ['x'],
      ['y'],
    ]);
    expect(runBatches([s('x', true)]).map((batch) => batch.map((suite) => suite.name))).toEqual([['x']]);
  });
});
