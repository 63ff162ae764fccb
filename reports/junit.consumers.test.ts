// Our JUnit as its consumers read it, for real: GitLab's reader (ActiveSupport's Hash.from_xml on
// Nokogiri, walked as lib/gitlab/ci/parsers/test/junit.rb walks it: testing/gitlab-junit.rb),
// python junitparser (testing/junitparser-read.py) and the XSD (xmllint), each on a passing report,
// on a failing one with a correlation (CoreDNS at zero), warnings, skips and a setup error, and on
// one whose only failure a waiver matched (--waivers: green, the waiver's reason shown).
// A consumer that is not installed here skips its tests, saying so; under CI (CI=true) it fails
// instead: a skip is never a pass, and .ci/run installs all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import type { CheckResult } from '../helpers/result.ts';
import type { ReportSnapshot } from './file-reporter.ts';
import { renderJUnit, SHAKEDOWN_VERSION } from './junit.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';

const TESTING = join(import.meta.dirname, 'testing');
const XSD = join(import.meta.dirname, 'schema', 'junit.xsd');
const IN_CI = process.env.CI === 'true';

// The consumer's version, or undefined when it does not run here.
function installed(command: string, args: string[], pick: (out: string) => string | undefined = (out) => out.trim() || undefined): string | undefined {
  const probe = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return probe.status === 0 ? pick(`${probe.stdout}${probe.stderr}`) : undefined;
}

const versions = {
  gitlab: installed('ruby', [
    '-e',
    'require "active_support"; require "nokogiri"; print "ActiveSupport #{ActiveSupport::VERSION::STRING}, Nokogiri #{Nokogiri::VERSION}"',
  ]),
  junitparser: installed('python3', ['-c', 'import junitparser; print(junitparser.version, end="")']),
  xmllint: installed('xmllint', ['--version'], (out) => /xmllint: using libxml version (\S+)/.exec(out)?.[1]),
};

// Each test starts an interpreter (Ruby with ActiveSupport and Nokogiri takes ~0.7 s at rest): room
// for a machine busy with other jobs.
const OPTIONS = { timeout: 60_000 };

// The describe block of one consumer: skipped with the reason when it is missing, except under CI.
function consumer(title: string, version: string | undefined, install: string, body: () => void): void {
  if (version === undefined && !IN_CI) {
    console.warn(`${title}: not installed here, its tests are SKIPPED (${install}); CI installs it and fails without it`);
    describe.skip(`${title}: SKIPPED, not installed here (${install})`, OPTIONS, body);
    return;
  }
  describe(`${title} ${version ?? '(missing)'}`, OPTIONS, () => {
    it('is installed (.ci/run installs it)', () => expect(version, `${title} is missing: ${install}`).toBeDefined());
    body();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sd-junit-consumers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snapshot = (results: CheckResult[], extra: Partial<ReportSnapshot> = {}): ReportSnapshot => ({
  run: runInfo({ properties: { 'shakedown.profile': 'full' } }),
  results,
  setupErrors: [],
  complete: true,
  writtenAt: new Date('2025-01-01T10:01:31Z'),
  ...extra,
});

const passing = snapshot([
  passed('smoke', 'every agent answers'),
  passed('services', 'port differs from targetPort'),
  passed('services', 'named port'),
  passed('dns', 'resolves kubernetes.default'),
]);

// CoreDNS scaled to zero: every dns check that asks it times out, one origin; beside it a lone
// warning, skips whose reasons need escaping, an unrelated failure and a setup error.
const coredns = {
  dimension: 'server',
  value: 'kube-dns',
  summary: 'every query to the DNS Service times out: CoreDNS has no ready replica',
  confidence: 'high' as const,
};
const failing = snapshot(
  [
    passed('smoke', 'every agent answers'),
    failed('dns', 'search path', { classification: 'timeout', origin: coredns, log: ['asked search.default from probe-0', 'no answer in 2 s'] }),
    failed('dns', 'every record kind', { classification: 'timeout', origin: coredns, log: ['asked A, AAAA, SRV, PTR, CNAME', 'no answer in 2 s'] }),
    warned('dns', 'latency', { origin: coredns, message: 'p99 unknown: every query timed out' }),
    skipped('dns', 'external name', { skipReason: 'no upstream: --dns-external-name none' }),
    warned('certificates', 'serving certificate'),
    skipped('ingress', 'rewrite-target', { skipReason: 'no IngressClass <nginx> & no "ingress-nginx" controller' }),
    failed('services', 'session affinity', { classification: 'wrong-backend', log: ['10 requests', '4 reached another backend'] }),
  ],
  { setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'the probe pod on node2 never became ready', { details: 'ImagePullBackOff' })] },
);

// A run whose one failure a live waiver matched: it passes, and the waiver says why.
const WAIVED = 'waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234)';
const waiving = snapshot([passed('netpol', 'ingress is enforced'), waivedFailure('netpol', 'egress is enforced', { origin: coredns })]);

function write(name: string, report: ReportSnapshot): string {
  const path = join(dir, name);
  writeFileSync(path, renderJUnit(report));
  return path;
}
const reports = { passing: write('passing.xml', passing), failing: write('failing.xml', failing), waiving: write('waiving.xml', waiving) };

// What JUnit makes of each result: GitLab's status names.
const STATUS = { pass: 'success', warn: 'success', fail: 'failed', skip: 'skipped' } as const;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const child = spawnSync(command, args, { encoding: 'utf8', env, timeout: 60_000 });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return child.stdout;
}

interface GitLabCase {
  suite_name: string;
  classname: string;
  name: string;
  status: string;
  system_output: unknown;
  system_output_class: string;
  system_out_class: string;
}
interface GitLabRead {
  suite_error: string | null;
  cases: GitLabCase[];
}
const gitlab = (path: string): GitLabRead => JSON.parse(run('ruby', [join(TESTING, 'gitlab-junit.rb'), path])) as GitLabRead;

consumer('GitLab (Hash.from_xml and its JUnit parser)', versions.gitlab, 'apt-get install ruby-activesupport ruby-nokogiri', () => {
  it("reproduces GitLab's failure on the old shape: two <system-out> in a failed testcase drop the whole report", () => {
    const old = join(dir, 'two-system-out.xml');
    writeFileSync(
      old,
      '<testsuites><testsuite name="dns" tests="1"><testcase classname="shakedown.dns" name="search path" time="1">' +
        '<failure message="timeout" type="timeout">no answer</failure><system-out>common origin: server kube-dns</system-out><system-out>log</system-out>' +
        '</testcase></testsuite></testsuites>',
    );
    const read = gitlab(old);
    expect(read.suite_error).toMatch(/^JUnit data parsing failed: undefined method `match' for .*Array/);
    expect(read.cases).toEqual([]);
  });

  it.each(Object.entries({ passing, failing }))('reads every testcase of the %s report, with its status', (name, report) => {
    const read = gitlab(reports[name as keyof typeof reports]);
    expect(read.suite_error).toBeNull();
    expect(read.cases.map((testCase) => [testCase.suite_name, testCase.name, testCase.status])).toEqual([
      ...report.setupErrors.map(() => ['setup', 'setup', 'failed']),
      ...report.results.map((result) => [result.suite, result.check, STATUS[result.status]]),
    ]);
  });

  it('gets a String for every failure, skip text and system_out, the skip reason and the failure finding as shown text', () => {
    const read = gitlab(reports.failing);
    for (const testCase of read.cases) {
      expect(['String', 'NilClass'], `${testCase.name}: system_out`).toContain(testCase.system_out_class);
      if (testCase.status !== 'success') expect(testCase.system_output_class, `${testCase.name}: shown text`).toBe('String');
    }
    const shown = (name: string) => read.cases.find((testCase) => testCase.name === name)?.system_output;
    expect(shown('external name')).toBe('no upstream: --dns-external-name none');
    expect(shown('rewrite-target')).toBe('no IngressClass <nginx> & no "ingress-nginx" controller');
    expect(shown('search path')).toContain('[timeout] expected x/b -> y/a blocked, observed allowed');
    expect(shown('search path')).toContain(`origin: server kube-dns: ${coredns.summary}`);
    expect(shown('setup')).toContain('SD_SETUP_FAILED: the probe pod on node2 never became ready');
  });

  it('shows a waived failure as skipped, not failed, its waiver and the failure as the shown text', () => {
    const read = gitlab(reports.waiving);
    expect(read.suite_error).toBeNull();
    expect(read.cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
      ['ingress is enforced', 'success'],
      ['egress is enforced', 'skipped'],
    ]);
    const waived = read.cases[1];
    expect(waived?.system_output_class).toBe('String');
    expect(waived?.system_output).toBe(`${WAIVED}\nfailure (not-enforced): expected x/b -> y/a blocked, observed allowed`);
    expect(waived?.system_out_class).toBe('String');
  });
});

interface PyResult {
  type: string;
  message: string | null;
  text: string | null;
}
interface PyCase {
  name: string;
  classname: string;
  results: PyResult[];
  system_out: string | null;
  system_outs: number;
  properties: Record<string, string>;
}
interface PySuite {
  name: string;
  tests: number;
  failures: number;
  skipped: number;
  properties: Record<string, string>;
  cases: PyCase[];
}
const junitparser = (path: string): PySuite[] => (JSON.parse(run('python3', [join(TESTING, 'junitparser-read.py'), path])) as { suites: PySuite[] }).suites;

consumer('python junitparser', versions.junitparser, 'pip install junitparser, on PYTHONPATH', () => {
  it.each(Object.entries({ passing, failing }))('reads every testcase of the %s report, its result type and counts', (name, report) => {
    const suites = junitparser(reports[name as keyof typeof reports]);
    const cases = suites.flatMap((suite) => suite.cases.map((testCase) => [suite.name, testCase.name, testCase.results.map((result) => result.type)]));
    const TYPE = { pass: [], warn: [], fail: ['Failure'], skip: ['Skipped'] } as const;
    expect(cases).toEqual([
      ...report.setupErrors.map(() => ['setup', 'setup', ['Failure']]),
      ...report.results.map((result) => [result.suite, result.check, TYPE[result.status]]),
    ]);
    for (const suite of suites) {
      expect(suite.tests).toBe(suite.cases.length);
      expect(suite.failures).toBe(suite.cases.filter((testCase) => testCase.results.some((result) => result.type === 'Failure')).length);
      expect(suite.skipped).toBe(suite.cases.filter((testCase) => testCase.results.some((result) => result.type === 'Skipped')).length);
      expect(suite.properties).toMatchObject({ 'shakedown.version': SHAKEDOWN_VERSION, 'cluster.version': 'v1.31.2', 'shakedown.profile': 'full' });
      for (const testCase of suite.cases) expect(testCase.system_outs, testCase.name).toBeLessThanOrEqual(1);
    }
  });

  it('reads a waived failure as a skip whose message and text are its waiver, the property shakedown.status=waived, the failure in its note; the suite counts no failure', () => {
    const [netpol] = junitparser(reports.waiving);
    expect([netpol?.tests, netpol?.failures, netpol?.skipped]).toEqual([2, 0, 1]);
    const waived = netpol?.cases.find((testCase) => testCase.name === 'egress is enforced');
    expect(waived?.results).toEqual([
      { type: 'Skipped', message: WAIVED, text: `${WAIVED}\nfailure (not-enforced): expected x/b -> y/a blocked, observed allowed` },
    ]);
    expect(waived?.properties).toEqual({ 'shakedown.status': 'waived' });
    expect(waived?.system_outs).toBe(1);
    expect(waived?.system_out?.split('\n\n=== ').map((part) => part.split('\n', 1)[0])).toEqual([
      '=== waived ===',
      'finding: fail (not-enforced) ===',
      'origin ===',
      'log (2 lines) ===',
    ]);
    expect(waived?.system_out).toContain('[not-enforced] expected x/b -> y/a blocked, observed allowed');
  });

  it("reads a skip's reason as its message and its text, a warning's status property and note, a failure's correlation and log", () => {
    const cases = new Map(junitparser(reports.failing).flatMap((suite) => suite.cases.map((testCase) => [testCase.name, testCase])));
    const reason = 'no IngressClass <nginx> & no "ingress-nginx" controller';
    expect(cases.get('rewrite-target')?.results).toEqual([{ type: 'Skipped', message: reason, text: reason }]);
    const latency = cases.get('latency');
    expect(latency?.properties).toEqual({ 'shakedown.status': 'warn' });
    expect(latency?.system_out).toMatch(/^=== finding: warn ===\n\[warn\] p99 unknown: every query timed out\n/);
    expect(latency?.system_out).toContain('=== common origin ===\n2 failed and 1 warned checks share one origin: server kube-dns');
    const searchPath = cases.get('search path');
    expect(searchPath?.results[0]).toMatchObject({ type: 'Failure', message: 'expected x/b -> y/a blocked, observed allowed' });
    expect(searchPath?.system_out?.split('\n\n').map((part) => part.split('\n', 1)[0])).toEqual([
      '=== finding: fail (timeout) ===',
      '=== common origin ===',
      '=== log (2 lines) ===',
    ]);
  });
});

consumer('the XSD (xmllint)', versions.xmllint, 'apt-get install libxml2-utils', () => {
  it.each(Object.keys(reports))('validates the %s report against reports/schema/junit.xsd', (name) => {
    const child = spawnSync('xmllint', ['--noout', '--schema', XSD, reports[name as keyof typeof reports]], { encoding: 'utf8' });
    expect(child.stderr).toMatch(/ validates$/m);
    expect(child.status).toBe(0);
  });

  it('refuses a testcase with two <system-out>', () => {
    const path = join(dir, 'two-out.xml');
    writeFileSync(
      path,
      '<testsuites><testsuite name="a" tests="1"><testcase name="b"><system-out>1</system-out><system-out>2</system-out></testcase></testsuite></testsuites>',
    );
    const child = spawnSync('xmllint', ['--noout', '--schema', XSD, path], { encoding: 'utf8' });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('system-out');
  });
});
