// `shakedown list`: the suites and their checks with one-line descriptions, read by collecting the
// suite files with vitest (nothing runs, the cluster is not touched).
import { PassThrough } from 'node:stream';
import { createVitest } from 'vitest/node';
import type { SuiteFile } from './suites.ts';
import { checkTitle, suiteDescriptionOf, suiteOfModule, titlePath } from './to-result.ts';

export interface ListedCheck {
  title: string;
  description: string;
}

export interface ListedSuite {
  name: string;
  description: string;
  checks: ListedCheck[];
  // Why the suite could not be read, when it could not.
  error?: string;
}

export async function listSuites(root: string, suites: readonly SuiteFile[]): Promise<ListedSuite[]> {
  const sink = new PassThrough().resume();
  const vitest = await createVitest({ config: false, root, include: suites.map((suite) => suite.file), watch: false, reporters: [], pool: 'threads', silent: true, passWithNoTests: true }, {}, { stdout: sink, stderr: sink });
  try {
    // Loading the files (not parsing them statically) lets defineSuite and check record their descriptions.
    const { testModules } = await vitest.collect(undefined, { staticParse: false });
    const listed = testModules.map((module): ListedSuite => {
      const errors = module.errors();
      const checks = [...module.children.allTests()].map((test) => {
        return { title: checkTitle(titlePath(test)), description: test.meta().shakedown?.description ?? '' };
      });
      return {
        name: suiteOfModule(module.moduleId),
        description: suiteDescriptionOf(module) ?? '',
        checks,
        ...(errors.length > 0 ? { error: (errors[0]?.message ?? 'cannot be loaded').split('\n', 1)[0] } : {}),
      };
    });
    return listed.sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await vitest.close();
  }
}

export function formatListing(suites: readonly ListedSuite[]): string {
  const lines: string[] = [];
  for (const suite of suites) {
    lines.push(`${suite.name}${suite.description ? `  ${suite.description}` : ''}`);
    if (suite.error !== undefined) lines.push(`  (cannot be loaded: ${suite.error})`);
    const width = Math.max(0, ...suite.checks.map((check) => check.title.length));
    for (const check of suite.checks) lines.push(`  ${check.title.padEnd(width)}  ${check.description}`.trimEnd());
    lines.push('');
  }
  return lines.join('\n');
}
