import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { escapeHtml, parseGrid, renderHtml } from './html.ts';
import { sampleSnapshot } from './testing/sample-run.ts';

describe('renderHtml', () => {
  const html = renderHtml(sampleSnapshot());

  it('is one self-contained document: no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).toMatch(/<meta name="viewport"/);
  });

  it('heads with the run, its cluster and the verdict', () => {
    expect(html).toMatch(/shakedown run sd-20261203-abc123 <span class="verdict fail">failed<\/span>/);
    expect(html).toMatch(/<b>Kubernetes<\/b> v1\.34\.4/);
    expect(html).toMatch(/<b>network-plugin<\/b> kube-router/);
    expect(html).toMatch(/<b>duration<\/b> 67\.5 s/);
    expect(html).toMatch(/1 passed, 2 failed, 1 warned, 1 skipped/);
  });

  it('names the one reason shared by checks of two suites first', () => {
    expect(html.indexOf('One reason for several checks')).toBeLessThan(html.indexOf('id="suite-'));
    expect(html).toMatch(/node2/);
  });

  it('expands failures with cause, origin, evidence as grids and reproduce, and collapses passes', () => {
    expect(html).toMatch(/<span class="label">likely cause<\/span> the NetworkPolicy enforcer on node2 is not running/);
    expect((html.match(/<table class="grid">/g) ?? []).length).toBe(2);
    expect(html).toMatch(/<td class="bad" title="blocked \/ mismatch">X<\/td>/);
    expect(html).toMatch(/<td class="unknown" title="not observed">\?<\/td>/);
    expect(html).toMatch(/<p class="label">reproduce<\/p><pre>kubectl -n x exec a -- curl/);
    expect(html).toMatch(/<details><summary>1 passed<\/summary>/);
    expect(html).toMatch(/skipped:<\/span> no upstream configured/);
  });

  it('escapes everything that comes from the cluster', () => {
    expect(html).toMatch(/&lt;deny-all&gt;/);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('says when it was written before the run ended, with the setup error', () => {
    const partial = renderHtml(sampleSnapshot({ complete: false, results: [], setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kube-scheduler is at fault (high confidence): not scheduling')] }));
    expect(partial).toMatch(/<span class="verdict incomplete">incomplete<\/span>/);
    expect(partial).toMatch(/results are partial/);
    expect(partial).toMatch(/SD_SETUP_FAILED: kube-scheduler is at fault/);
  });
});

describe('parseGrid', () => {
  it('reads a table of ., X and ? and refuses anything else', () => {
    expect(parseGrid('TCP/80  x/a x/b\nx/a     .   X\nx/b     ?   .')).toEqual({ corner: 'TCP/80', columns: ['x/a', 'x/b'], rows: [{ name: 'x/a', cells: ['.', 'X'] }, { name: 'x/b', cells: ['?', '.'] }] });
    expect(parseGrid('p50 3 ms\np99 900 ms')).toBeUndefined();
    expect(parseGrid('only a header')).toBeUndefined();
  });
});
