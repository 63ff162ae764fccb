import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult, type RunInfo } from '../helpers/result.ts';
import { createJUnitReporter, LOG_TAIL_LINES, SHAKEDOWN_VERSION, type JUnitReporterOptions } from './junit.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';
import { childrenNamed, parseXml, type XmlElement } from './testing/xml.ts';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-junit-'));
  path = join(dir, 'out', 'junit.xml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function completeRun(results: CheckResult[], run: RunInfo = runInfo(), options: Omit<JUnitReporterOptions, 'path'> = {}): Promise<XmlElement> {
  const reporter = createJUnitReporter({ path, ...options });
  await reporter.onRunStart?.({ ...run, finishedAt: null });
  for (const result of results) await reporter.onCheckEnd?.(result);
  await reporter.onRunEnd?.(run, results, summarize(results));
  return parseXml(await readFile(path, 'utf8'));
}

const suitesOf = (root: XmlElement) => childrenNamed(root, 'testsuite');
const casesOf = (suite: XmlElement | undefined) => (suite === undefined ? [] : childrenNamed(suite, 'testcase'));
const propertiesOf = (suite: XmlElement | undefined) =>
  Object.fromEntries(
    (suite === undefined ? [] : childrenNamed(suite, 'properties').flatMap((list) => childrenNamed(list, 'property'))).map((property) => [
      property.attributes.name,
      property.attributes.value,
    ]),
  );
const systemOutOf = (testCase: XmlElement): string => only(childrenNamed(testCase, 'system-out')).text;
const only = (elements: XmlElement[]): XmlElement => {
  expect(elements).toHaveLength(1);
  return elements[0] as XmlElement;
};

const results = (): CheckResult[] => [
  passed('services', 'port differs from targetPort', { durationMs: 1234, log: ['noise from a pass'] }),
  failed('netpol', 'deny-all blocks other namespaces'),
  passed('services', 'named port'),
  skipped('ingress', 'rewrite-target with capture groups'),
  failed('services', 'session affinity', { classification: 'wrong-backend', log: [] }),
];

describe('JUnit reporter', () => {
  it('counts tests, failures and skips in <testsuites> and in each <testsuite>', async () => {
    const root = await completeRun(results());
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toEqual({
      name: 'shakedown',
      tests: '5',
      failures: '2',
      errors: '0',
      skipped: '1',
      time: '90.500',
      timestamp: '2025-01-01T10:00:00.000Z',
    });
    const suites = suitesOf(root);
    expect(suites.map((suite) => [suite.attributes.name, suite.attributes.tests, suite.attributes.failures, suite.attributes.skipped])).toEqual([
      ['services', '3', '1', '0'],
      ['netpol', '1', '1', '0'],
      ['ingress', '1', '0', '1'],
    ]);
    expect(suites[0]?.attributes.time).toBe('3.854');
  });

  it('names testcases shakedown.SUITE / CHECK with their time', async () => {
    const [services] = suitesOf(await completeRun(results()));
    expect(casesOf(services).map((testCase) => testCase.attributes)).toEqual([
      { classname: 'shakedown.services', name: 'port differs from targetPort', time: '1.234' },
      { classname: 'shakedown.services', name: 'named port', time: '0.120' },
      { classname: 'shakedown.services', name: 'session affinity', time: '2.500' },
    ]);
  });

  it("puts shakedown's version, the cluster, the run id and the run properties in every testsuite", async () => {
    const root = await completeRun(results(), runInfo({ properties: { profile: 'quick', 'ci.job': '1234' } }));
    expect(SHAKEDOWN_VERSION).toBe(JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version);
    for (const suite of suitesOf(root)) {
      expect(propertiesOf(suite)).toEqual({
        'shakedown.version': SHAKEDOWN_VERSION,
        'shakedown.runId': 'sd-20250101-abcd',
        'shakedown.complete': 'true',
        'cluster.server': 'https://10.0.0.1:6443',
        'cluster.version': 'v1.31.2',
        'cluster.nodes': '3',
        'cluster.context': 'kind-shakedown',
        profile: 'quick',
        'ci.job': '1234',
      });
    }
  });

  it('writes a failure typed by its classification, with evidence, likely cause, reproduce and the log', async () => {
    const failure = failed('netpol', 'deny-all blocks other namespaces');
    const [, netpol] = suitesOf(await completeRun(results()));
    const testCase = only(casesOf(netpol));
    const element = only(childrenNamed(testCase, 'failure'));
    expect(element.attributes).toEqual({ message: failure.message, type: 'not-enforced' });
    expect(element.text).toContain(`--- reachability (expected vs observed) ---\n      y/a\nx/b   X .`);
    expect(element.text).toContain(`likely cause: ${failure.likelyCause}`);
    expect(element.text).toContain(`reproduce: ${failure.reproduce}`);
    expect(testCase.children.map((child) => child.name)).toEqual(['failure', 'system-out']);
    expect(systemOutOf(testCase)).toBe(
      `=== finding: fail (not-enforced) ===\n${failure.message}\n\n=== log (2 lines) ===\napplied deny-all to y\nprobe x/b -> y/a: connected`,
    );
  });

  it('keeps the last lines of a long log, saying how many there were', async () => {
    const log = Array.from({ length: LOG_TAIL_LINES + 50 }, (_, index) => `line ${index + 1}`);
    const testCase = only(casesOf(only(suitesOf(await completeRun([failed('dns', 'resolves', { log })])))));
    const [, logSection] = systemOutOf(testCase).split('\n\n');
    expect(logSection?.split('\n')).toEqual([`=== log (last ${LOG_TAIL_LINES} of ${LOG_TAIL_LINES + 50} lines) ===`, ...log.slice(50)]);
  });

  it('keeps passes bare: no log, no children', async () => {
    const [services] = suitesOf(await completeRun(results()));
    expect(casesOf(services)[0]?.children).toEqual([]);
    expect(casesOf(services)[2]?.children.map((child) => child.name)).toEqual(['failure', 'system-out']);
  });

  it('writes a warning as a passed testcase with the property shakedown.status=warn and a <system-out> note, counted neither as failure nor skip', async () => {
    const warning = warned('certs', 'serving certificate');
    const root = await completeRun([warning, passed('certs', 'chain')]);
    expect(root.attributes).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '0' });
    const testCase = casesOf(only(suitesOf(root)))[0] as XmlElement;
    expect(testCase.children.map((child) => child.name)).toEqual(['properties', 'system-out']);
    expect(propertiesOf(testCase)).toEqual({ 'shakedown.status': 'warn' });
    const note = systemOutOf(testCase);
    expect(note.split('\n', 2)).toEqual(['=== finding: warn ===', `[warn] ${warning.message}`]);
    expect(note).toContain('--- certificate ---\nnotAfter 2025-02-10T00:00:00Z');
    expect(note).toContain(`likely cause: ${warning.likelyCause}`);
  });

  it("names a lone warning's origin in its note, once", async () => {
    const origin = { dimension: 'server', value: '10.96.0.10', summary: 'only this replica answers slowly', confidence: 'medium' as const };
    const testCase = only(casesOf(only(suitesOf(await completeRun([warned('dns', 'latency', { origin })])))));
    const note = systemOutOf(testCase);
    expect(note).toContain('\n\n=== origin ===\nserver 10.96.0.10: only this replica answers slowly (confidence medium)');
    expect(note.match(/only this replica/g)).toHaveLength(1);
  });

  it('writes ONE <system-out> per member of a correlation: the finding, the common origin, then the log (CoreDNS at zero)', async () => {
    const origin = {
      dimension: 'server',
      value: 'kube-dns',
      summary: 'every query to the DNS Service times out: CoreDNS has no ready replica',
      confidence: 'high' as const,
    };
    const root = await completeRun([
      failed('dns', 'search path', { origin, classification: 'timeout', log: ['asked search.default', 'no answer in 2 s'] }),
      failed('dns', 'every record kind', { origin, classification: 'timeout' }),
      warned('dns', 'latency', { origin }),
      failed('services', 'session affinity', { classification: 'wrong-backend', log: [] }),
    ]);
    const [dns, services] = suitesOf(root);
    const correlation =
      '=== common origin ===\n2 failed and 1 warned checks share one origin: server kube-dns: every query to the DNS Service times out: CoreDNS has no ready replica (confidence high)\n  dns › search path\n  dns › every record kind\n  dns › latency';
    const [searchPath, recordKinds, latency] = casesOf(dns) as [XmlElement, XmlElement, XmlElement];
    for (const member of [searchPath, recordKinds, latency]) expect(childrenNamed(member, 'system-out')).toHaveLength(1);
    expect(searchPath.children.map((child) => child.name)).toEqual(['failure', 'system-out']);
    expect(systemOutOf(searchPath)).toBe(
      `=== finding: fail (timeout) ===\nexpected x/b -> y/a blocked, observed allowed\n\n${correlation}\n\n=== log (2 lines) ===\nasked search.default\nno answer in 2 s`,
    );
    expect(only(childrenNamed(searchPath, 'failure')).text).toContain(`origin: server kube-dns: ${origin.summary}`);
    expect(
      systemOutOf(latency)
        .split('\n\n=== ')
        .map((part) => part.split('\n', 1)[0]),
    ).toEqual(['=== finding: warn ===', 'common origin ===']);
    expect(systemOutOf(latency)).toContain(correlation);
    expect(systemOutOf(only(casesOf(services)))).toBe('=== finding: fail (wrong-backend) ===\nexpected x/b -> y/a blocked, observed allowed');
  });

  it('writes each skip with its reason as the text and the message of <skipped>, and in its note', async () => {
    const [, , ingress] = suitesOf(await completeRun(results()));
    const testCase = only(casesOf(ingress));
    expect(testCase.children.map((child) => child.name)).toEqual(['skipped', 'system-out']);
    const skip = only(childrenNamed(testCase, 'skipped'));
    expect(skip.attributes).toEqual({ message: 'no IngressClass in the cluster' });
    expect(skip.text).toBe('no IngressClass in the cluster');
    expect(systemOutOf(testCase)).toBe('=== skipped ===\nno IngressClass in the cluster');
  });

  it('writes a waived failure as a skipped testcase: the waiver as the message and text of <skipped>, the whole failure in its note, shakedown.status=waived', async () => {
    const waived = waivedFailure('netpol', 'egress is enforced', {
      origin: { dimension: 'direction', value: 'egress', summary: 'no egress policy is enforced', confidence: 'high' },
    });
    const root = await completeRun([passed('netpol', 'ingress is enforced'), waived, failed('dns', 'search path')]);
    expect([root.attributes.tests, root.attributes.failures, root.attributes.skipped]).toEqual(['3', '1', '1']);
    const [netpol] = suitesOf(root);
    expect([netpol?.attributes.failures, netpol?.attributes.skipped]).toEqual(['0', '1']);
    const testCase = casesOf(netpol)[1] as XmlElement;
    expect(testCase.children.map((child) => child.name)).toEqual(['properties', 'skipped', 'system-out']);
    expect(childrenNamed(only(childrenNamed(testCase, 'properties')), 'property').map((p) => p.attributes)).toEqual([
      { name: 'shakedown.status', value: 'waived' },
    ]);
    const skip = only(childrenNamed(testCase, 'skipped'));
    expect(skip.attributes).toEqual({ message: 'waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234)' });
    expect(skip.text).toBe(
      'waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234)\nfailure (not-enforced): expected x/b -> y/a blocked, observed allowed',
    );
    const note = systemOutOf(testCase);
    expect(note.split('\n\n=== ').map((part) => part.split('\n', 1)[0])).toEqual([
      '=== waived ===',
      'finding: fail (not-enforced) ===',
      'origin ===',
      'log (2 lines) ===',
    ]);
    expect(note).toContain('=== waived ===\nwaived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234) (waiver "netpol/*")');
    expect(note).toContain('[not-enforced] expected x/b -> y/a blocked, observed allowed\n\n--- reachability (expected vs observed) ---');
    expect(note).toContain('likely cause: the CNI does not enforce NetworkPolicy');
  });

  it("adds the caller's properties after the run's, and refuses names shakedown writes itself", async () => {
    const root = await completeRun([passed('dns', 'resolves')], runInfo({ properties: { 'shakedown.profile': 'full' } }), {
      properties: { 'ci.pipeline': '77', team: 'net' },
    });
    expect(Object.entries(propertiesOf(only(suitesOf(root)))).slice(-3)).toEqual([
      ['shakedown.profile', 'full'],
      ['ci.pipeline', '77'],
      ['team', 'net'],
    ]);
    expect(() => createJUnitReporter({ path, properties: { 'cluster.version': 'v9' } })).toThrow(/cluster\.version.*written by shakedown itself/);
    expect(() => createJUnitReporter({ path, properties: { 'shakedown.runId': 'x' } })).toThrow(expect.objectContaining({ code: 'SD_BAD_FLAG' }));
    expect(() => createJUnitReporter({ path, properties: { ' ': 'x' } })).toThrow(/needs a name/);
  });

  it('escapes <&"\' and characters XML forbids in names, messages, evidence, logs and properties', async () => {
    const nasty = `a<b & "c" 'd'> ]]> \u001b[1mbold\u001b[0m \u0007`;
    const root = await completeRun(
      [
        failed(`suite ${nasty}`, `check ${nasty}`, {
          message: `message ${nasty}\nsecond line`,
          evidence: [{ label: nasty, text: `text ${nasty}` }],
          log: [`log ${nasty}`],
          classification: 'http-status',
        }),
      ],
      runInfo({ properties: { [`key ${nasty}`]: `value ${nasty}` } }),
    );
    const cleaned = `a<b & "c" 'd'> ]]> bold \\u0007`;
    const suite = only(suitesOf(root));
    expect(suite.attributes.name).toBe(`suite ${cleaned}`);
    const testCase = only(casesOf(suite));
    expect(testCase.attributes).toMatchObject({ classname: `shakedown.suite ${cleaned}`, name: `check ${cleaned}` });
    const failure = only(childrenNamed(testCase, 'failure'));
    expect(failure.attributes.message).toBe(`message ${cleaned}\nsecond line`);
    expect(failure.text).toContain(`--- ${cleaned} ---\ntext ${cleaned}`);
    expect(systemOutOf(testCase)).toContain(`=== log (1 lines) ===\nlog ${cleaned}`);
    expect(propertiesOf(suite)[`key ${cleaned}`]).toBe(`value ${cleaned}`);
  });

  it('writes a valid file when setup fails before any check ran, although onRunEnd never comes', async () => {
    const reporter = createJUnitReporter({ path, now: () => new Date('2025-01-01T10:00:02.000Z') });
    const run = runInfo({ finishedAt: null, cluster: { server: 'https://10.0.0.1:6443', version: null, nodes: null, context: 'prod' } });
    const error = new ShakedownError('SD_API_UNREACHABLE', 'cannot reach https://10.0.0.1:6443', { details: 'dial tcp 10.0.0.1:6443: i/o timeout' });
    await reporter.onSetupError?.(error, run);

    const root = parseXml(await readFile(path, 'utf8'));
    expect(root.attributes).toMatchObject({ tests: '1', failures: '1', errors: '0', skipped: '0', time: '2.000' });
    const suite = only(suitesOf(root));
    expect(suite.attributes.name).toBe('setup');
    expect(propertiesOf(suite)).toEqual({
      'shakedown.version': SHAKEDOWN_VERSION,
      'shakedown.runId': 'sd-20250101-abcd',
      'shakedown.complete': 'false',
      'cluster.server': 'https://10.0.0.1:6443',
      'cluster.context': 'prod',
    });
    const testCase = only(casesOf(suite));
    expect(testCase.attributes).toMatchObject({ classname: 'shakedown.setup', name: 'setup' });
    const failure = only(childrenNamed(testCase, 'failure'));
    expect(failure.attributes).toEqual({ message: 'cannot reach https://10.0.0.1:6443', type: 'SD_API_UNREACHABLE' });
    expect(failure.text).toContain('dial tcp 10.0.0.1:6443: i/o timeout');
    expect(failure.text).toContain(`hint: ${error.hint}`);
  });

  it('writes the file when the process crashes right after a setup error', async () => {
    const module = (name: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, name)).href);
    const script = `
      import { createJUnitReporter } from ${module('junit.ts')};
      import { createMultiplexer } from ${module('multiplexer.ts')};
      import { ShakedownError } from ${module('../helpers/errors.ts')};
      const reporters = createMultiplexer({ junit: createJUnitReporter({ path: process.argv[1] }) }, (failure) => console.error(failure.error.message));
      const run = { runId: 'crash', startedAt: new Date().toISOString(), finishedAt: null, properties: {},
        cluster: { server: null, version: null, nodes: null, context: null } };
      await reporters.onSetupError(new ShakedownError('SD_KUBECONFIG_INVALID', 'no current context'), run);
      throw new Error('engine crashed after the setup error');
    `;
    const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, path]).then(
      () => ({ exited: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ exited: error.code, stderr: error.stderr }),
    );
    expect(child.exited).not.toBe(0);
    expect(child.stderr).toContain('engine crashed after the setup error');

    const failure = only(childrenNamed(only(casesOf(only(suitesOf(parseXml(await readFile(path, 'utf8')))))), 'failure'));
    expect(failure.attributes).toEqual({ message: 'no current context', type: 'SD_KUBECONFIG_INVALID' });
  });

  it('marks a report flushed mid-run as incomplete with a failed "run completed" testcase', async () => {
    const reporter = createJUnitReporter({ path });
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    await reporter.onCheckEnd?.(passed('dns', 'resolves'));
    await reporter.flush();

    const root = parseXml(await readFile(path, 'utf8'));
    expect(root.attributes).toMatchObject({ tests: '2', failures: '1' });
    const [dns, shakedown] = suitesOf(root);
    expect(casesOf(dns).map((testCase) => testCase.attributes.name)).toEqual(['resolves']);
    expect(propertiesOf(dns)['shakedown.complete']).toBe('false');
    const testCase = only(casesOf(shakedown));
    expect(testCase.attributes).toMatchObject({ classname: 'shakedown.shakedown', name: 'run completed' });
    expect(only(childrenNamed(testCase, 'failure')).attributes.type).toBe('SD_INTERRUPTED');
  });
});
