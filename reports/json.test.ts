import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, ShakedownError } from '../helpers/errors.ts';
import { CHECK_STATUSES, CLASSIFICATIONS, summarize, type CheckResult } from '../helpers/result.ts';
import { SCHEMA_VERSION, createJsonReporter } from './json.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';
import { validate } from './testing/json-schema.ts';

type Json = Record<string, unknown>;

const schema = JSON.parse(await readFile(new URL('schema/report-v2.schema.json', import.meta.url), 'utf8')) as Json;
const defs = schema.$defs as Record<string, Json>;
const resultProperties = defs.result?.properties as Record<string, Json>;

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-json-'));
  path = join(dir, 'report.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const results = (): CheckResult[] => [
  passed('services', 'named port'),
  failed('netpol', 'deny-all blocks other namespaces'),
  skipped('ingress', 'rewrite-target with capture groups'),
  passed('dns', 'search path', { likelyCause: 'n/a', reproduce: 'dig svc.ns', log: [] }),
  warned('certs', 'serving certificate'),
];

async function completeReport(): Promise<Json> {
  const reporter = createJsonReporter({ path });
  const run = runInfo({ properties: { profile: 'quick' } });
  await reporter.onRunStart?.({ ...run, finishedAt: null });
  await reporter.onRunEnd?.(run, results(), summarize(results()));
  return JSON.parse(await readFile(path, 'utf8')) as Json;
}

describe('JSON reporter', () => {
  it('writes a versioned report that validates against report-v2.schema.json', async () => {
    const report = await completeReport();
    expect(validate(schema, report)).toEqual([]);
    expect(report).toEqual({
      schemaVersion: SCHEMA_VERSION,
      complete: true,
      run: runInfo({ properties: { profile: 'quick' } }),
      summary: { passed: 2, warned: 1, failed: 1, skipped: 1, waived: 0 },
      errors: [],
      results: results(),
      correlations: [],
    });
  });

  it('writes a valid, incomplete report when setup fails and onRunEnd never comes', async () => {
    const reporter = createJsonReporter({ path });
    const run = runInfo({ finishedAt: null, cluster: { server: null, version: null, nodes: null, context: null } });
    await reporter.onSetupError?.(new ShakedownError('SD_FORBIDDEN', 'cannot create namespaces', { details: 'verb create, resource namespaces' }), run);

    const report = JSON.parse(await readFile(path, 'utf8')) as Json;
    expect(validate(schema, report)).toEqual([]);
    expect(report).toMatchObject({
      complete: false,
      run,
      summary: { passed: 0, warned: 0, failed: 0, skipped: 0 },
      errors: [{ code: 'SD_FORBIDDEN', message: 'cannot create namespaces', details: 'verb create, resource namespaces', hint: ERROR_CODES.SD_FORBIDDEN.hint }],
      results: [],
    });
  });

  it('writes the partial results on flush', async () => {
    const reporter = createJsonReporter({ path });
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    await reporter.onCheckEnd?.(failed('dns', 'resolves'));
    await reporter.flush();
    const report = JSON.parse(await readFile(path, 'utf8')) as Json;
    expect(validate(schema, report)).toEqual([]);
    expect(report).toMatchObject({ complete: false, summary: { passed: 0, warned: 0, failed: 1, skipped: 0 }, errors: [] });
  });
});

describe('correlations in the JSON report', () => {
  it('groups failed and warned checks by their structured origin, and validates', async () => {
    const node2 = {
      dimension: 'source-node',
      value: 'node2',
      summary: 'every probe from pods on node2 fails, the same probes from node1 succeed',
      confidence: 'high' as const,
    };
    const all = [
      failed('services', 'cross-node', { origin: node2 }),
      failed('dns', 'every replica answers', { origin: { ...node2, confidence: 'medium', summary: 'queries from node2 time out' } }),
      warned('dns', 'latency', { origin: node2 }),
      failed('dns', 'search path', { origin: { ...node2, value: 'node1' } }),
      passed('dns', 'resolves', { origin: node2 }),
    ];
    const reporter = createJsonReporter({ path });
    await reporter.onRunStart?.(runInfo());
    await reporter.onRunEnd?.(runInfo(), all, summarize(all));
    const report = JSON.parse(await readFile(path, 'utf8')) as Json;
    expect(validate(schema, report)).toEqual([]);
    expect(report.correlations).toEqual([
      { ...node2, checks: ['services › cross-node', 'dns › every replica answers', 'dns › latency'], failed: 2, warned: 1 },
    ]);
  });
});

describe('report-v2.schema.json', () => {
  it('keeps a waived failure a failure with its waiver, counts it as waived and not failed, and validates', async () => {
    const reporter = createJsonReporter({ path });
    const run = runInfo();
    const all = [failed('dns', 'search path'), waivedFailure('netpol', 'egress is enforced')];
    await reporter.onRunStart?.(run);
    await reporter.onRunEnd?.(run, all, summarize(all));
    const report = JSON.parse(await readFile(path, 'utf8')) as Json;
    expect(validate(schema, report)).toEqual([]);
    expect(report.summary).toEqual({ passed: 0, warned: 0, failed: 1, skipped: 0, waived: 1 });
    expect((report.results as Json[])[1]).toMatchObject({
      status: 'fail',
      classification: 'not-enforced',
      waiver: { check: 'netpol/*', reason: 'known: the CNI enforces no policy here (OPS-1234)', until: '2027-03-31' },
    });
    // A report of an older version, without summary.waived, still validates.
    expect(validate(schema, { ...report, summary: { passed: 0, warned: 0, failed: 2, skipped: 0 } })).toEqual([]);
  });

  it('is a draft 2020-12 schema whose enums match the code', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect((schema.properties as Record<string, Json>).schemaVersion).toEqual({ const: SCHEMA_VERSION });
    expect(resultProperties.status?.enum).toEqual([...CHECK_STATUSES]);
    expect(resultProperties.classification?.enum).toEqual([...CLASSIFICATIONS]);
    expect((defs.error?.properties as Record<string, Json>).code?.enum).toEqual(Object.keys(ERROR_CODES));
  });

  it.each<[string, (report: Json) => void, string]>([
    ['a skip without its reason', (report) => delete (report.results as Json[])[2]?.skipReason, '$.results[2]: missing required property "skipReason"'],
    [
      'a failure without a classification',
      (report) => delete (report.results as Json[])[1]?.classification,
      '$.results[1]: missing required property "classification"',
    ],
    ['an unknown classification', (report) => ((report.results as Json[])[1]!.classification = 'flaky'), '$.results[1].classification: "flaky" is not one of'],
    ['another schema version', (report) => (report.schemaVersion = 'shakedown.report/v1'), '$.schemaVersion: expected "shakedown.report/v2"'],
    ['a field v2 does not define', (report) => (report.extra = 1), '$.extra: no value is allowed here'],
    [
      'a node count that is not an integer',
      (report) => ((report.run as { cluster: Json }).cluster.nodes = '3'),
      '$.run.cluster.nodes: expected integer or null',
    ],
    ['a negative count', (report) => ((report.summary as Json).failed = -1), '$.summary.failed: -1 is below the minimum 0'],
  ])('rejects %s', async (_case, mutate, problem) => {
    const report = await completeReport();
    mutate(report);
    expect(validate(schema, report).join('\n')).toContain(problem);
  });
});
