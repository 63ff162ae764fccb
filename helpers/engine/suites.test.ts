import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import { PACKAGE_ROOT, discoverSuites, selectSuites } from './suites.ts';

const fixtures = join(PACKAGE_ROOT, 'test', 'fixtures', 'suites');

describe('suites', () => {
  it('finds NAME.suite.ts files, sorted, with paths relative to the root', () => {
    expect(discoverSuites(fixtures)).toEqual([
      { name: 'broken', file: 'test/fixtures/suites/broken/broken.suite.ts' },
      { name: 'mixed', file: 'test/fixtures/suites/mixed/mixed.suite.ts' },
    ]);
    expect(discoverSuites(join(fixtures, 'nope'))).toEqual([]);
  });

  it('selects all, or the named ones, and names the source of an unknown name', () => {
    const all = discoverSuites(fixtures);
    expect(selectSuites(all, [], { kind: 'default' })).toHaveLength(2);
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
    expect(error?.message).toBe('--suite names no suite: dns (suites: broken, mixed)');
  });
});
