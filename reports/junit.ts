import { readFileSync } from 'node:fs';
import { ERROR_CODES, ShakedownError } from '../helpers/errors.ts';
import {
  checkName,
  correlate,
  describeCorrelation,
  isWaived,
  type CheckResult,
  type Correlation,
  type FailedCheck,
  type WarnedCheck,
} from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';
import { emptyTag, openTag, textElement } from './xml.ts';

// JUnit XML in the shape Jenkins, GitLab, sonobuoy, junitparser and the GitHub
// test-report actions read: one <testsuite> per suite, classname
// "shakedown.SUITE", the failure type is the classification. Setup errors become
// a failed testcase in a "setup" suite (type = error code), and a report written
// before the run ended gets a failed "run completed" testcase, so a partial file
// never reads as green.
//
// A testcase holds at most ONE <system-out>: GitLab reads JUnit through
// ActiveSupport's Hash.from_xml, which turns two into an Array and drops the
// whole report ("undefined method `match' for Array"), and Go's encoding/xml
// (sonobuoy) keeps only the last. It has sections under "=== ... ===" heading
// lines: the finding, then its origin or the correlation it belongs to, then
// the log tail. A warning is a passed testcase with the property
// shakedown.status=warn (Jenkins keeps testcase properties; GitLab, junitparser
// and encoding/xml ignore them) and its note. A skip's reason is the <skipped>
// element's text as well as its message attribute: GitLab and junitparser read
// the text (GitLab shows an attribute-only skip as a hash), Jenkins and sonobuoy
// the attribute. A waived failure (--waivers) is a skipped testcase, not a
// <failure>: a <failure> turns GitLab's and Jenkins' test reports red whatever
// its message says, and a waiver's point is that the run passes. Its <skipped>
// says "waived until DATE: reason" as message attribute (Jenkins, sonobuoy) and
// as text (GitLab, junitparser), with the failure's class and message on the
// text's next line; the property shakedown.status=waived (Jenkins) marks it
// apart from a check that did not run, and its <system-out> keeps the whole
// failure (finding, origin, log) as a failed testcase's would.
// reports/junit.consumers.test.ts feeds the reports to them.

export interface JUnitReporterOptions extends FileReporterOptions {
  // Extra <property> elements for every testsuite (a CI job id, a cluster's
  // name); shakedown.* and cluster.* are shakedown's own and refused.
  properties?: Readonly<Record<string, string>>;
}

export interface JUnitRenderOptions {
  properties?: Readonly<Record<string, string>>;
  // shakedown's version; package.json's unless given.
  version?: string;
}

// The last lines of a failed check's log that the report keeps.
export const LOG_TAIL_LINES = 200;

// shakedown's own version, as the package (and so every install and image) carries it.
export const SHAKEDOWN_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const RESERVED_PROPERTY = /^(shakedown|cluster)\./;

// The problems with caller-given properties, one line each; empty when they are fine.
export function junitPropertyProblems(properties: Readonly<Record<string, string>>): string[] {
  return Object.keys(properties).flatMap((name) => {
    if (name.trim() === '') return ['a JUnit property needs a name'];
    if (RESERVED_PROPERTY.test(name)) return [`JUnit property "${name}": shakedown.* and cluster.* are written by shakedown itself`];
    return [];
  });
}

export function createJUnitReporter(options: JUnitReporterOptions): FileReporter {
  const properties = options.properties ?? {};
  const problems = junitPropertyProblems(properties);
  if (problems.length > 0) throw new ShakedownError('SD_BAD_FLAG', problems.join('; '));
  return createFileReporter(options, (snapshot) => renderJUnit(snapshot, { properties }));
}

interface TestCase {
  suite: string;
  name: string;
  durationMs: number;
  outcome: CheckResult['status'];
  body: string[];
}

export function renderJUnit(report: ReportSnapshot, options: JUnitRenderOptions = {}): string {
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
      ...properties(report, options).map(([name, value]) => `      ${emptyTag('property', { name, value })}`),
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
  return [`${describeCorrelation(correlation)} (confidence ${correlation.confidence})`, ...correlation.checks.map((check) => `  ${check}`)].join('\n');
}

// One heading line, then its text.
function section(heading: string, text: string): string {
  return `=== ${heading} ===\n${text}`;
}

// The one <system-out>: sections in order, or nothing when there are none.
function systemOut(sections: readonly string[]): string[] {
  return sections.length === 0 ? [] : [textElement('system-out', {}, sections.join('\n\n'))];
}

function originSections(result: CheckResult, correlation: Correlation | undefined): string[] {
  if (correlation !== undefined) return [section('common origin', correlationText(correlation))];
  if (result.origin === undefined) return [];
  const { dimension, value, summary, confidence } = result.origin;
  return [section('origin', `${dimension} ${value}: ${summary} (confidence ${confidence})`)];
}

function logSections(log: readonly string[] | undefined): string[] {
  if (log === undefined || log.length === 0) return [];
  const tail = log.slice(-LOG_TAIL_LINES);
  const heading = tail.length === log.length ? `log (${log.length} lines)` : `log (last ${tail.length} of ${log.length} lines)`;
  return [section(heading, tail.join('\n'))];
}

const statusProperties = (status: 'warn' | 'waived'): string[] => [
  '<properties>',
  `  ${emptyTag('property', { name: 'shakedown.status', value: status })}`,
  '</properties>',
];
const WARN_PROPERTIES = statusProperties('warn');
const WAIVED_PROPERTIES = statusProperties('waived');

// "waived until 2027-03-31: the reason": the skip's message.
export function waivedMessage(waiver: NonNullable<FailedCheck['waiver']>): string {
  return `waived until ${waiver.until}: ${waiver.reason}`;
}

const resultCase =
  (correlations: ReadonlyMap<string, Correlation>) =>
  (result: CheckResult): TestCase => {
    const testCase = { suite: result.suite, name: result.check, durationMs: result.durationMs, outcome: isWaived(result) ? ('skip' as const) : result.status };
    const origin = originSections(result, correlations.get(checkName(result)));
    switch (result.status) {
      case 'pass':
        return { ...testCase, body: [] };
      case 'warn':
        // Passed in JUnit's terms: a warning never fails the build.
        return { ...testCase, body: [...WARN_PROPERTIES, ...systemOut([section('finding: warn', findingText(result, false)), ...origin])] };
      case 'skip':
        return {
          ...testCase,
          body: [textElement('skipped', { message: result.skipReason }, result.skipReason), ...systemOut([section('skipped', result.skipReason)])],
        };
      case 'fail':
        if (result.waiver !== undefined) {
          const message = waivedMessage(result.waiver);
          return {
            ...testCase,
            body: [
              ...WAIVED_PROPERTIES,
              textElement('skipped', { message }, `${message}\nfailure (${result.classification}): ${result.message}`),
              ...systemOut([
                section('waived', `${message} (waiver ${JSON.stringify(result.waiver.check)})`),
                section(`finding: fail (${result.classification})`, findingText(result, origin.length === 0)),
                ...origin,
                ...logSections(result.log),
              ]),
            ],
          };
        }
        return {
          ...testCase,
          body: [
            textElement('failure', { message: result.message, type: result.classification }, findingText(result)),
            ...systemOut([section(`finding: fail (${result.classification})`, result.message), ...origin, ...logSections(result.log)]),
          ],
        };
    }
  };

// The whole finding; withOrigin false when an origin section follows it.
function findingText(result: FailedCheck | WarnedCheck, withOrigin = true): string {
  const parts = [`[${result.status === 'fail' ? result.classification : 'warn'}] ${result.message}`];
  if (withOrigin && result.origin !== undefined) parts.push(`origin: ${result.origin.dimension} ${result.origin.value}: ${result.origin.summary}`);
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

function properties(report: ReportSnapshot, options: JUnitRenderOptions): [string, string][] {
  const { run } = report;
  const known: [string, string | number | null][] = [
    ['shakedown.version', options.version ?? SHAKEDOWN_VERSION],
    ['shakedown.runId', run.runId],
    ['shakedown.complete', String(report.complete)],
    ['cluster.server', run.cluster.server],
    ['cluster.version', run.cluster.version],
    ['cluster.nodes', run.cluster.nodes],
    ['cluster.context', run.cluster.context],
  ];
  return [
    // What the run recorded of itself (its version among them) wins over what this reporter knows.
    ...known.flatMap(([name, value]): [string, string][] => (value === null || name in run.properties ? [] : [[name, String(value)]])),
    ...Object.entries(run.properties),
    ...Object.entries(options.properties ?? {}),
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
