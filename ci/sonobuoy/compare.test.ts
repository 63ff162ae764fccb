import { describe, expect, it } from 'vitest';
import { renderJson, type JsonReport } from '../../reports/json.ts';
import { renderJUnit } from '../../reports/junit.ts';
import { sonobuoyResults, type SonobuoyItem } from '../../reports/sonobuoy.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from '../../reports/testing/fixtures.ts';
import { compare, junitCounts, parseDetailed, parseSummary, type DetailedItem } from './compare.ts';

const snapshot = {
  run: runInfo(),
  results: [
    passed('dns', 'resolves kubernetes.default'),
    warned('certificates', 'API server certificate expiry'),
    skipped('services', 'session affinity', { skipReason: 'no second node' }),
    passed('services', 'named port'),
  ],
  setupErrors: [],
  complete: true,
  writtenAt: new Date('2025-01-01T10:01:31Z'),
};
const report = JSON.parse(renderJson(snapshot)) as JsonReport;

// What sonobuoy prints for the tree shakedown wrote: its summary, and its leaves in detailed mode.
const summaryText = ['Plugin: shakedown', 'Status: passed', 'Total: 4', 'Passed: 3', 'Failed: 0', 'Skipped: 1', ''].join('\n');
function detailedText(tree: SonobuoyItem): string {
  const lines: string[] = [];
  const walk = (item: SonobuoyItem, path: string[]) => {
    if (item.items === undefined) lines.push(JSON.stringify({ name: item.name, status: item.status, meta: { path: path.join('|') }, details: item.details }));
    else for (const child of item.items) walk(child, [...path, item.name]);
  };
  for (const suite of tree.items ?? []) walk(suite, ['shakedown', 'sonobuoy_results.yaml']);
  return `${lines.join('\n')}\n`;
}

describe('sonobuoy results against the JSON report', () => {
  it('parses what sonobuoy prints and finds them in agreement', () => {
    const summary = parseSummary(summaryText);
    expect(summary).toEqual({ plugin: 'shakedown', status: 'passed', total: 4, passed: 3, failed: 0, skipped: 1 });
    const compared = compare(summary, parseDetailed(detailedText(sonobuoyResults(snapshot))), report);
    expect(compared).toEqual({ mismatches: [], warnings: { kept: 1, of: 1 }, skipReasons: { kept: 1, of: 1 }, failures: { kept: 0, of: 0 } });
  });

  it('names every disagreement: a count, a status, a lost warning or skip reason, a missing check', () => {
    const items: DetailedItem[] = parseDetailed(detailedText(sonobuoyResults(snapshot)))
      .filter((item) => item.name !== 'named port')
      .map((item) =>
        item.name === 'API server certificate expiry'
          ? { ...item, details: {} }
          : item.name === 'session affinity'
            ? { ...item, status: 'passed', details: {} }
            : item,
      );
    const compared = compare(parseSummary(summaryText.replace('Passed: 3', 'Passed: 2').replace('Status: passed', 'Status: failed')), items, report);
    expect(compared.mismatches).toEqual([
      'Status: failed, expected passed',
      "passed: sonobuoy says 2, shakedown's report says 3",
      "sonobuoy results --mode detailed lists 3 items, shakedown's report 4",
      'certificates › API server certificate expiry: its warning is not in sonobuoy\'s details.warning (expected "the serving certificate expires in 40 days", got undefined)',
      "services › session affinity: passed in sonobuoy's results, skip in shakedown's report",
      'services › session affinity: its skip reason is not in sonobuoy\'s details.skip-reason (expected "no second node", got undefined)',
      "services › named port: not in sonobuoy's results",
    ]);
  });

  it('counts a failure, a setup error and an unfinished run as sonobuoy does', () => {
    const broken = JSON.parse(renderJson({ ...snapshot, results: [failed('dns', 'x')], complete: false })) as JsonReport;
    const summary = parseSummary('Plugin: shakedown\nStatus: failed\nTotal: 2\nPassed: 0\nFailed: 2\nSkipped: 0\n\nFailed tests:\nx\nrun completed\n');
    expect(compare(summary, [], broken).mismatches).toEqual([
      "sonobuoy results --mode detailed lists 0 items, shakedown's report 2",
      "dns › x: not in sonobuoy's results",
    ]);
  });

  it('counts a waived failure as a skipped item, as the JUnit does, its failure kept', () => {
    const waived = { ...snapshot, results: [...snapshot.results, waivedFailure('netpol', 'egress is enforced')] };
    const json = JSON.parse(renderJson(waived)) as JsonReport;
    const summary = parseSummary(['Plugin: shakedown', 'Status: passed', 'Total: 5', 'Passed: 3', 'Failed: 0', 'Skipped: 2', ''].join('\n'));
    expect(compare(summary, parseDetailed(detailedText(sonobuoyResults(waived))), json)).toEqual({
      mismatches: [],
      warnings: { kept: 1, of: 1 },
      skipReasons: { kept: 1, of: 1 },
      failures: { kept: 1, of: 1 },
    });
    expect(junitCounts(renderJUnit(waived))).toEqual({ tests: 5, failures: 0, skipped: 2 });
  });

  it("reads the JUnit report's counts", () => {
    expect(junitCounts(renderJUnit(snapshot))).toEqual({ tests: 4, failures: 0, skipped: 1 });
  });
});
