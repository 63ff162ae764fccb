import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './suites.ts';
import { collectSuites } from './testing/collect.ts';

describe('a suite file held to its manifest', () => {
  it('fails to load, naming the suite file and every difference, when checks and manifest drift', { timeout: 60_000 }, async () => {
    const [drift, mixed] = await collectSuites(PACKAGE_ROOT, ['test/fixtures/suites/drift/drift.suite.ts', 'test/fixtures/suites/mixed/mixed.suite.ts']);
    expect(drift?.errors).toHaveLength(1);
    expect(drift?.errors[0]).toMatch(/^suite drift \(.*test\/fixtures\/suites\/drift\/drift\.suite\.ts:5:\d+\) does not match its manifest: /);
    expect(drift?.errors[0]).toContain('check "group › defined only" is defined but not declared in the manifest');
    expect(drift?.errors[0]).toContain('check "group › declared only" is declared in the manifest but never defined');
    expect(mixed?.errors).toEqual([]);
    expect(mixed?.checks.map((c) => c.title)).toEqual([
      'passes',
      'fails with a classification',
      'skips with a reason',
      'throws',
      'asserts',
      'hangs',
      'sequential › first',
      'sequential › second',
    ]);
  });
});
