import { ERROR_CODES, ShakedownError } from '../helpers/errors.ts';
import { checkName, correlate, describeCorrelation, type CheckResult, type Correlation, type FailedCheck, type WarnedCheck } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';
import { emptyTag, openTag, textElement } from './xml.ts';

// JUnit XML in the shape Jenkins, GitLab and the GitHub test-report actions
// read: one <testsuite> per suite, classname "shakedown.SUITE", the failure
// type is the classification, skips carry their reason. Setup errors become a
// failed testcase in a "setup" suite (type = error code), and a report written
// before the run ended gets a failed "run completed" testcase, so a partial
// file never reads as green. A warning is a passed testcase whose <system-out>
// says "[warn] ..." with its evidence; every failed or warned member of a group
// sharing one origin gets a <system-out> naming the origin and the group.

export function createJUnitReporter(options: FileReporterOptions): FileReporter {
  return createFileReporter(options, renderJUnit);
}

interface TestCase {
  suite: string;
  name: string;
  durationMs: number;
  outcome: CheckResult['status'];
  body: string[];
}

export function renderJUnit(report: ReportSnapshot): string {
  const cases = [
    ...report.setupErrors.map((error) => errorCase('setup', 'setup', error)),
    ...report.results.map(resultCase(correlationsByCheck(correlate(report.results)))),
    ...(report.complete || report.setupErrors.length > 0 ? [] : [interruptedCase(report)]),
  ];
  const suites = Map.groupBy(cases, (testCase) => testCase.suite);
  const end = report.run.finishedAt === null ? report.writtenAt.getTime() : Date.parse(report.run.finishedAt);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    openTag('testsuites', {
      name: 'shakedown',
      ...counts(cases),
      time: seconds(end - Date.parse(report.run.startedAt)),
      timestamp: report.run.startedAt,
    }),
  ];
  for (const [suite, suiteCases] of suites) {
    lines.push(
      `  ${openTag('testsuite', {
        name: suite,
        ...counts(suiteCases),
        time: seconds(suiteCases.reduce((total, testCase) => total + testCase.durationMs, 0)),
        timestamp: report.run.startedAt,
      })}`,
      '    <properties>',
      ...properties(report).map(([name, value]) => `      ${emptyTag('property', { name, value })}`),
      '    </properties>',
      ...suiteCases.flatMap(renderCase),
      '  </testsuite>',
    );
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function correlationsByCheck(correlations: readonly Correlation[]): Map<string, Correlation> {
  const byCheck = new Map<string, Correlation>();
  for (const correlation of correlations) for (const check of correlation.checks) byCheck.set(check, correlation);
  return byCheck;
}

function correlationText(correlation: Correlation): string {
  return [`common origin: ${describeCorrelation(correlation)} (confidence ${correlation.confidence})`, ...correlation.checks.map((check) => `  ${check}`)].join('\n');
}

const resultCase =
  (correlations: ReadonlyMap<string, Correlation>) =>
  (result: CheckResult): TestCase => {
    const testCase = { suite: result.suite, name: result.check, durationMs: result.durationMs, outcome: result.status };
    const correlation = correlations.get(checkName(result));
    const origin = correlation === undefined ? [] : [textElement('system-out', {}, correlationText(correlation))];
    const log = result.log === undefined || result.log.length === 0 ? [] : [textElement('system-out', {}, result.log.join('\n'))];
    switch (result.status) {
      case 'pass':
        return { ...testCase, body: [] };
      case 'warn':
        // Passed in JUnit's terms: a warning never fails the build.
        return { ...testCase, body: [textElement('system-out', {}, findingText(result)), ...origin] };
      case 'skip':
        return { ...testCase, body: [emptyTag('skipped', { message: result.skipReason })] };
      case 'fail':
        return { ...testCase, body: [textElement('failure', { message: result.message, type: result.classification }, findingText(result)), ...origin, ...log] };
    }
  };

function findingText(result: FailedCheck | WarnedCheck): string {
  const parts = [`[${result.status === 'fail' ? result.classification : 'warn'}] ${result.message}`];
  if (result.origin !== undefined) parts.push(`origin: ${result.origin.dimension} ${result.origin.value}: ${result.origin.summary}`);
  for (const evidence of result.evidence) parts.push(`--- ${evidence.label} ---\n${evidence.text}`);
  if (result.likelyCause !== undefined) parts.push(`likely cause: ${result.likelyCause}`);
  if (result.reproduce !== undefined) parts.push(`reproduce: ${result.reproduce}`);
  return parts.join('\n\n');
}

function errorCase(suite: string, name: string, error: ShakedownError): TestCase {
  const text = [`${error.code}: ${error.message}`, ...(error.details === undefined ? [] : [error.details]), `hint: ${error.hint}`];
  return {
    suite,
    name,
    durationMs: 0,
    outcome: 'fail',
    body: [textElement('failure', { message: error.message, type: error.code }, text.join('\n\n'))],
  };
}

function interruptedCase(report: ReportSnapshot): TestCase {
  const details = `${report.results.length} checks had finished when this report was written.`;
  return errorCase('shakedown', 'run completed', new ShakedownError('SD_INTERRUPTED', ERROR_CODES.SD_INTERRUPTED.description, { details }));
}

function properties(report: ReportSnapshot): [string, string][] {
  const { run } = report;
  const known: [string, string | number | null][] = [
    ['shakedown.runId', run.runId],
    ['shakedown.complete', String(report.complete)],
    ['cluster.server', run.cluster.server],
    ['cluster.version', run.cluster.version],
    ['cluster.nodes', run.cluster.nodes],
    ['cluster.context', run.cluster.context],
  ];
  return [
    ...known.flatMap(([name, value]): [string, string][] => (value === null ? [] : [[name, String(value)]])),
    ...Object.entries(run.properties),
  ];
}

function counts(cases: readonly TestCase[]): Record<string, number> {
  return {
    tests: cases.length,
    failures: cases.filter((testCase) => testCase.outcome === 'fail').length,
    // Every unmet expectation, setup errors included, is a <failure>; <error> is never written.
    errors: 0,
    skipped: cases.filter((testCase) => testCase.outcome === 'skip').length,
  };
}

function renderCase(testCase: TestCase): string[] {
  const attributes = { classname: `shakedown.${testCase.suite}`, name: testCase.name, time: seconds(testCase.durationMs) };
  if (testCase.body.length === 0) return [`    ${emptyTag('testcase', attributes)}`];
  return [`    ${openTag('testcase', attributes)}`, ...testCase.body.map((line) => `      ${line}`), '    </testcase>'];
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
