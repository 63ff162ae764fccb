// The engine owns the failure path, end to end on the real cluster: `shakedown run` over a fixture
// suite whose one check fails beside a crash-looping backend it tracked. The JSON report's failure
// carries, added by the engine and not by the suite: the Service with its not-ready endpoint, the
// pod with judgePod's reason and the crash in a log tail, its BackOff event, and the node the
// failure's origin names; the console prints them; the exit code is 1 and the run cleans up.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../helpers/result.ts';
import { KUBECONFIG, runNode } from './cli-child.ts';

describe('engine failure evidence through shakedown run', () => {
  it('attaches the state, events and log tails of what the failing check tracked', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-engine-evidence-')), 'report.json');
    const ran = await runNode([
      join(import.meta.dirname, 'fixtures', 'engine', 'cli.ts'),
      'run',
      '--kubeconfig',
      KUBECONFIG,
      '--suite',
      'evidence',
      '--json',
      out,
    ]);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: CheckResult[] };
    const failure = report.results.find((result) => result.suite === 'evidence');
    expect(failure, ran.stdout + ran.stderr).toMatchObject({ status: 'fail', classification: 'refused' });
    const labels = failure?.evidence.map((item) => item.label) ?? [];
    const namespace =
      labels
        .find((label) => label.startsWith('Service '))
        ?.split(' ')[1]
        ?.split('/')[0] ?? '';
    const node = failure?.origin?.value ?? '';
    expect(labels).toEqual(expect.arrayContaining([`Pod ${namespace}/backend`, `Service ${namespace}/web`, `Node ${node}`]));
    const text = (label: string) => failure?.evidence.find((item) => item.label === label)?.text ?? '';
    expect(text(`Service ${namespace}/web`)).toMatch(new RegExp(`not ready Pod backend on ${node}$`, 'm'));
    expect(text(`Pod ${namespace}/backend`)).toMatch(/not ready: the agent keeps crashing: exit code 7 \(Error\), \d+ restarts/);
    expect(text(`Pod ${namespace}/backend`)).toMatch(/Warning BackOff/);
    expect(text(`Node ${node}`)).toMatch(/^Ready, /);
    const tails = labels.filter((label) => label.startsWith(`log tail of pod ${namespace}/backend`)).map(text);
    expect(tails.some((tail) => tail.includes('fatal: listen EADDRINUSE :8080'))).toBe(true);
    expect(ran.stdout).toContain(`── Pod ${namespace}/backend ──`);
    expect(ran.code).toBe(1);
    expect(ran.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 1 failed, 0 skipped$/);
  }, 240_000);
});
