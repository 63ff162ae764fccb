import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleBaseline, sampleResults, sampleRun, WAIVED } from '../testing/sample-run.ts';
import { checkAnchor, diffView, loadBaseline } from './diff-view.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-diff-view-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diffView', () => {
  const html = diffView({ source: 'before.json', report: sampleBaseline }, sampleResults, true);

  it('is nothing without a baseline', () => {
    expect(diffView(undefined, sampleResults, true)).toBe('');
  });

  it('names the baseline and counts the regressions', () => {
    expect(html).toMatch(/^<section id="baseline" class="diff"><h2>Compared with the baseline<\/h2>/);
    expect(html).toContain('<b>run</b> sd-20261202-0ld000');
    expect(html).toContain('<b>Kubernetes</b> v1.33.7');
    expect(html).toContain('<span class="verdict fail">2 regressions</span> 7 changes (7 checks in this run, 7 in the baseline)');
  });

  it('groups the changes, regressions first, each check linked to its block in the report', () => {
    const titles = [...html.matchAll(/<h3><span class="mark">[^<]*<\/span>([^<]+) <span class="label">(\d+)<\/span><\/h3>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(titles).toEqual(['Newly failing 1', 'Much slower 1', 'Fixed 1', 'New warnings 1', 'Now skipped 1', 'Appeared 1', 'Vanished 1']);
    expect(html).toContain(
      `<a href="#${checkAnchor('netpol › deny all ingress in x')}">netpol › deny all ingress in x</a> <span class="label">pass → fail (not-enforced)</span>`,
    );
    expect(html).toContain('1.5s -&gt; 5.5s (x3.7, limit x2 and +2.0s)');
    // A vanished check has no block to link to.
    expect(html).toContain('<li>dns › a check since removed <span class="label">pass → absent</span>');
  });

  it('lists regressions, fixes and new warnings open, at most 8 before a toggle, and collapses the rest', () => {
    expect(html).toMatch(/<details class="check skip"><summary><h3><span class="mark">↷<\/span>Now skipped/);
    expect(html).toMatch(/<div class="check fail"><h3><span class="mark">✗<\/span>Newly failing/);
    const many = Array.from({ length: 11 }, (_, i) => ({
      suite: 's',
      check: `c${String(i).padStart(2, '0')}`,
      status: 'fail' as const,
      classification: 'timeout' as const,
      durationMs: 1,
      message: 'm',
      evidence: [],
    }));
    const was = many.map((r) => ({ ...r, status: 'pass' as const }));
    const view = diffView({ source: 'b.json', report: { run: sampleRun, results: was } }, many, true);
    expect(view.match(/<li>/g)).toHaveLength(11);
    expect(view).toContain('<details><summary>3 more</summary>');
    expect(view.indexOf('s › c07')).toBeLessThan(view.indexOf('3 more'));
    expect(view.indexOf('s › c08')).toBeGreaterThan(view.indexOf('3 more'));
  });

  it("shortens a long message to its start: the check's block has the whole of it", () => {
    const long = { ...sampleResults[1]!, message: `${'x'.repeat(200)}\nsecond line` };
    const view = diffView({ source: 'b.json', report: sampleBaseline }, [long], true);
    expect(view).toContain(`<span class="detail">${'x'.repeat(109)}…</span>`);
    expect(view).not.toContain('second line');
  });

  it('on a partial run, does not call the checks not yet run vanished', () => {
    const partial = diffView({ source: 'before.json', report: sampleBaseline }, sampleResults.slice(0, 2), false);
    expect(partial).not.toContain('Vanished');
    expect(partial).toContain('this run is partial');
  });

  it('says of a failure that a waiver covers that it is waived', () => {
    const view = diffView({ source: 'b.json', report: { run: sampleRun, results: [{ ...WAIVED, status: 'pass', message: 'ok' }] } }, [WAIVED], true);
    expect(view).toContain(
      `<a href="#${checkAnchor('dns › search domains resolve')}">dns › search domains resolve</a> <span class="label">pass → fail (dns-error, waived)</span>`,
    );
  });

  it('says nothing changed when nothing did', () => {
    expect(diffView({ source: 'same.json', report: { run: sampleRun, results: sampleResults } }, sampleResults, true)).toContain(
      '<span class="verdict pass">no regression</span> nothing changed in 7 checks',
    );
  });
});

describe('loadBaseline', () => {
  it('reads a JSON report, and keeps the reason when it cannot', () => {
    const good = join(dir, 'before.json');
    writeFileSync(good, JSON.stringify({ schemaVersion: 'shakedown.report/v2', ...sampleBaseline }));
    expect(loadBaseline(good).report?.run.runId).toBe('sd-20261202-0ld000');
    const bad = loadBaseline(join(dir, 'missing.json'));
    expect(bad.report).toBeUndefined();
    expect(bad.error).toMatch(/cannot read the report .*missing\.json/);
    expect(diffView(bad, sampleResults, true)).toMatch(/The baseline .*missing\.json could not be read: cannot read the report/);
  });
});
