// shakedown history over real reports of the local cluster: the smoke suite three times, the third
// with CoreDNS scaled to zero (restored and waited for even when the test fails), so that one check,
// cluster DNS, flips from passing to failing. The history, run as a user runs it, names that check
// on the console, in its JSON (valid against its schema) and on its page, which renders in headless
// Chromium at a laptop's and a phone's width without a console error; with SHAKEDOWN_ARTIFACTS
// set, a screenshot at each width is left there (history-1280.png, history-390.png).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonHistory } from '../reports/history/json.ts';
import { openPage } from '../reports/testing/chromium.ts';
import { validate } from '../reports/testing/json-schema.ts';
import { KUBECONFIG, ROOT, shakedown, type Ran } from './cli-child.ts';
import { scaleDeployment, waitPodsReady, withFaultLock, withSession } from './cluster-kit.ts';

const SCHEMA: unknown = JSON.parse(readFileSync(join(ROOT, 'reports', 'schema', 'history-v1.schema.json'), 'utf8'));
const FLIPPED = 'smoke › cluster DNS resolves the kubernetes Service';
const NAMESPACE = 'kube-system';
const DEPLOYMENT = 'coredns';
const COREDNS_PODS = 'k8s-app=kube-dns';

describe('shakedown history over three real runs, one with CoreDNS at zero', () => {
  it('names the check that flipped on the console, in the JSON and on the page', { timeout: 900_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-history-'));
    // Named so that their names sort against their order in time: the history orders by run.startedAt.
    const smoke = (file: string): Promise<Ran> => shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'smoke', '--quiet', '--json', join(out, file)]);
    const started = performance.now();
    // One lock over all three: no other test breaks the cluster under the two healthy runs, and
    // others wait while CoreDNS is down.
    const codes = await withFaultLock('dns', async () => {
      const first = await smoke('c-first.json');
      const second = await smoke('b-second.json');
      const original = await withSession(
        async ({ clients: { apps } }) => (await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 2,
      );
      expect(original).toBeGreaterThan(0);
      try {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, 0);
        await waitPodsReady(NAMESPACE, COREDNS_PODS, 0, 120_000);
        const broken = await smoke('a-broken.json');
        return [first, second, broken].map((ran) => ran.code);
      } finally {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, original);
        await waitPodsReady(NAMESPACE, COREDNS_PODS, original, 180_000);
      }
    });
    console.log(`three smoke runs, the last with CoreDNS at zero: ${((performance.now() - started) / 1000).toFixed(1)} s, exit codes ${codes.join(', ')}`);
    expect(codes).toEqual([0, 0, 1]);

    // --flaky-flips 0: the one flip makes the check flaky too, so both findings name it.
    const ran = await shakedown(['history', out, '--flaky-flips', '0', '--html', join(out, 'history.html'), '--json', join(out, 'history.json')]);
    console.log(ran.stdout);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toBe('');
    const lines = ran.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^history of 3 nights \(.* to .*\): \d+ checks, 1 flaky, 1 new failure$/);
    expect(lines[1]).toBe('flaky (flipped between failing and not failing more than 0 times):');
    expect(lines[2]).toBe(`  ${FLIPPED}: 1 flip, passed 2 of 3 nights it ran (67%), last fail`);
    expect(lines[3]).toMatch(/^new failures in night 3 \(sd-\d{8}-[0-9a-f]{6}, .* UTC\):$/);
    expect(lines[4]).toMatch(new RegExp(`^ {2}${FLIPPED}: [a-z-]+: .+`));

    const json = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as JsonHistory;
    expect(validate(SCHEMA, json)).toEqual([]);
    expect(json.nights.map((n) => n.file)).toEqual(['c-first.json', 'b-second.json', 'a-broken.json'].map((f) => join(out, f)));
    expect(json.flaky).toEqual([FLIPPED]);
    expect(json.newFailures).toEqual([FLIPPED]);
    const flipped = json.checks.find((c) => c.id === FLIPPED);
    expect(flipped).toMatchObject({ outcomes: ['pass', 'pass', 'fail'], flips: 1, passRate: 2 / 3, firstFailingNight: 3, failingSinceNight: 3, flaky: true });
    // The rest of the smoke suite did not care that CoreDNS was gone.
    expect(json.checks.filter((c) => c.suite === 'smoke' && c.id !== FLIPPED).map((c) => [c.id, c.outcomes])).toEqual([
      ['smoke › every agent answers', ['pass', 'pass', 'pass']],
      ['smoke › pod to pod over HTTP, TCP and UDP', ['pass', 'pass', 'pass']],
    ]);
    expect(json.trends.find((t) => t.id === 'run time')?.values.every((v) => v !== null && v > 0)).toBe(true);

    const html = pathToFileURL(join(out, 'history.html')).href;
    for (const width of [1280, 390]) {
      const page = await openPage(html, { width, height: 900 });
      try {
        expect(page.problems).toEqual([]);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
        const findings = await page.evaluate<string[]>('[...document.querySelectorAll("#findings .finding")].map((f) => f.textContent)');
        expect(findings.filter((text) => text.includes(FLIPPED))).toHaveLength(2);
        const row = await page.evaluate<{ name: string; cells: string[] }>(`(() => {
          const row = [...document.querySelectorAll("table.history tbody tr")].find((tr) => tr.querySelector("th").textContent.startsWith(${JSON.stringify(FLIPPED)}));
          return { name: row.querySelector("th").textContent, cells: [...row.querySelectorAll("td.o")].map((td) => td.className.replace("o ", "")) };
        })()`);
        expect(row.name).toContain('flaky');
        expect(row.cells).toEqual(['pass', 'pass', 'fail']);
        const shot = await page.screenshot();
        expect(shot.subarray(1, 4).toString()).toBe('PNG');
        const artifacts = process.env.SHAKEDOWN_ARTIFACTS;
        if (artifacts !== undefined && artifacts !== '') writeFileSync(join(artifacts, `history-${width}.png`), shot);
      } finally {
        await page.close();
      }
    }
  });
});
