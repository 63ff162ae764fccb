// Collects suite files with vitest, as a run would load them, without running a check: the checks
// each file defines (title and description) and the errors of files that fail to load. For tests.
import { PassThrough } from 'node:stream';
import { createVitest } from 'vitest/node';
import type { CheckDeclaration } from '../manifest.ts';
import { checkTitle, suiteOfModule, titlePath } from '../to-result.ts';

export interface CollectedSuite {
  name: string;
  checks: Pick<CheckDeclaration, 'title' | 'description'>[];
  errors: string[];
}

export async function collectSuites(root: string, files: readonly string[]): Promise<CollectedSuite[]> {
  const sink = new PassThrough().resume();
  const vitest = await createVitest(
    { config: false, root, include: [...files], watch: false, reporters: [], pool: 'threads', silent: true, passWithNoTests: true },
    {},
    { stdout: sink, stderr: sink },
  );
  try {
    const { testModules } = await vitest.collect(undefined, { staticParse: false });
    return testModules
      .map((module) => ({
        name: suiteOfModule(module.moduleId),
        checks: [...module.children.allTests()].map((test) => ({ title: checkTitle(titlePath(test)), description: test.meta().shakedown?.description ?? '' })),
        errors: module.errors().map((error) => error.message ?? String(error)),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await vitest.close();
  }
}
