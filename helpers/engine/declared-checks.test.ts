import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './suites.ts';
import { collectSuites } from './testing/collect.ts';

describe('a suite file held to its manifest', () => {
  it('fails to load, naming the suite file and every difference, when checks and manifest drift', { timeout: 60_000 }, async () => {
    const [drift, mixed] = await collectSuites(PACKAGE_ROOT, ['test/fixtures/suites/drift/drift.suite.ts', 'test/fixtures/suites/mixed/mixed.suite.ts']);
    expect(drift?.errors).toHaveLength(1);
    expect(drift?.errors[0]).toMatch(/^suite drift \(.*test\/fixtures\/suites\/drift\/drift\.suite\.ts:7:\d+\) does not match its manifest: /);
    expect(drift?.errors[0]?.split(': ').slice(1).join(': ').split('; ')).toEqual([
      'check "implemented twice" is implemented twice',
      'check "group › passes" is defined but not declared in the manifest',
      'check "group › elsewhere › in the wrong group" is defined but not declared in the manifest',
      'check "group › declared only" is declared in the manifest but never defined',
      'check "elsewhere › in the wrong group" is declared in the manifest but never defined',
    ]);
    expect(mixed?.errors).toEqual([]);
    expect(mixed?.checks).toEqual([
      { title: 'passes', description: 'returns quietly' },
      { title: 'fails with a classification', description: 'calls fail()' },
      { title: 'skips with a reason', description: 'calls skip()' },
      { title: 'throws', description: 'an unexpected error' },
      { title: 'asserts', description: 'an expect() that does not hold' },
      { title: 'hangs', description: 'never finishes' },
      { title: 'sequential › first', description: 'runs alone' },
      { title: 'sequential › second', description: 'runs alone' },
    ]);
  });
});
