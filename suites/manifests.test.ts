// Every suite's file defines exactly the checks its manifest declares, with the same descriptions,
// in the same order: `shakedown list` (which reads only the manifests) shows what a run runs.
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, discoverSuites, loadSuites } from '../helpers/engine/suites.ts';
import { collectSuites } from '../helpers/engine/testing/collect.ts';

describe('suite manifests', () => {
  it('declare exactly the checks each suite file defines', { timeout: 120_000 }, async () => {
    const suites = await loadSuites(discoverSuites());
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['dns', 'netpol', 'nodeport', 'services', 'smoke']));
    const collected = await collectSuites(PACKAGE_ROOT, suites.map((s) => s.file));
    for (const suite of suites) {
      const found = collected.find((c) => c.name === suite.name);
      expect(found?.errors, `suite ${suite.name} loads`).toEqual([]);
      expect(found?.checks, `suite ${suite.name}`).toEqual(suite.manifest.checks.map((c) => ({ title: c.title, description: c.description })));
    }
  });
});
