// Benchmark of a full `shakedown run` (every suite) as a user runs it: the CLI as a child process,
// its wall time from start to exit, over several runs (default 5), with the median against the
// target (under 45 s on the local 2-node cluster). Per run, from its JSON report: the critical path
// (the chain of checks the wall time waits on, the latest-ending one last: the same chain the HTML
// report's timeline marks), the setup before the first check and the tail after the last one, and
// each suite's span (first check started to last check ended, from the run's start).
// Each run starts on a cluster at rest: the previous run's namespaces are first gone (at most a
// minute; --back-to-back: start at once).
// Usage: npx node bench/full-run.ts [--kubeconfig FILE] [--runs N] [--suite NAME ...] [--back-to-back] [--keep DIR]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { openKubeSession } from '../helpers/kube/session.ts';
import type { CheckResult } from '../helpers/result.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { poll } from '../helpers/wait/poll.ts';
import { criticalPath } from '../reports/html/timeline.ts';
import { spanOf, type Span } from '../reports/html/overview.ts';
import type { JsonReport } from '../reports/json.ts';
import { benchKubeconfig } from './suite-run.ts';

const TARGET_MS = 45_000;

export interface SuiteSpan {
  suite: string;
  // From the run's start (ms).
  start: number;
  end: number;
  checks: number;
}

export interface RunShape {
  // The run's own start and end, as its report says (ms since the epoch).
  run: Span;
  // From the run's start to the first check's start, and from the last check's end to the run's end.
  setupMs: number;
  tailMs: number;
  suites: SuiteSpan[];
  // The chain of checks the wall time waits on, first to last, times from the run's start.
  path: { suite: string; check: string; start: number; end: number }[];
  passed: number;
  failed: number;
  total: number;
  // Each failed check and the first line of what it said: a failed run is not a timing to compare.
  failures: string[];
}

// What a report says of its run's shape (pure: unit-testable without a cluster).
export function shapeOf(report: Pick<JsonReport, 'run' | 'results'>): RunShape {
  const timed = report.results.flatMap((result: CheckResult) => {
    const span = spanOf(result);
    return span === undefined ? [] : [{ result, span }];
  });
  const runStart = Date.parse(report.run.startedAt);
  const runEnd = report.run.finishedAt == null ? NaN : Date.parse(report.run.finishedAt);
  const origin = Number.isFinite(runStart) ? runStart : Math.min(...timed.map((t) => t.span.start));
  const end = Number.isFinite(runEnd) ? runEnd : Math.max(...timed.map((t) => t.span.end));
  const bySuite = Map.groupBy(timed, (t) => t.result.suite);
  const suites = [...bySuite].map(([suite, list]) => ({
    suite,
    start: Math.min(...list.map((t) => t.span.start)) - origin,
    end: Math.max(...list.map((t) => t.span.end)) - origin,
    checks: list.length,
  }));
  suites.sort((a, b) => b.end - a.end);
  const first = timed.length === 0 ? origin : Math.min(...timed.map((t) => t.span.start));
  const last = timed.length === 0 ? origin : Math.max(...timed.map((t) => t.span.end));
  return {
    run: { start: origin, end },
    setupMs: first - origin,
    tailMs: end - last,
    suites,
    path: criticalPath(timed).map((t) => ({ suite: t.result.suite, check: t.result.check, start: t.span.start - origin, end: t.span.end - origin })),
    passed: report.results.filter((r) => r.status === 'pass').length,
    failed: report.results.filter((r) => r.status === 'fail').length,
    total: report.results.length,
    failures: report.results.filter((r) => r.status === 'fail').map((r) => `${r.suite} › ${r.check}: ${r.message.split('\n')[0] ?? ''}`),
  };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const s = (ms: number) => `${(ms / 1000).toFixed(1)}`;

export function describeRun(index: number, wallMs: number, exitCode: number | null, shape: RunShape): string {
  const lines = [
    `run ${index}: wall ${s(wallMs)} s, exit ${exitCode}; ${shape.total} checks, ${shape.passed} passed, ${shape.failed} failed; setup until the first check ${s(shape.setupMs)} s, after the last check ${s(shape.tailMs)} s`,
    `  critical path (${shape.path.length} check${shape.path.length === 1 ? '' : 's'}, the last ends at ${s(shape.path.at(-1)?.end ?? 0)} s):`,
    ...shape.path.map((p) => `    ${s(p.start).padStart(5)} -> ${s(p.end).padStart(5)}  ${p.suite} › ${p.check}`),
    ...shape.failures.map((f) => `  FAIL ${f}`),
    '  suites (first check started -> last check ended, from the run start; latest first):',
    ...shape.suites.map((x) => `    ${x.suite.padEnd(14)} ${s(x.start).padStart(5)} -> ${s(x.end).padStart(5)}  (${s(x.end - x.start)} s, ${x.checks} checks)`),
  ];
  return lines.join('\n');
}

interface FullRun {
  wallMs: number;
  exitCode: number | null;
  shape: RunShape | undefined;
  output: string;
}

async function runOnce(kubeconfig: string, json: string, extra: readonly string[]): Promise<FullRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'cli', 'shakedown.ts'), 'run', '--kubeconfig', kubeconfig, '--json', json, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const shape = await readFile(json, 'utf8').then(
    (text) => shapeOf(JSON.parse(text) as JsonReport),
    () => undefined,
  );
  return { wallMs, exitCode, shape, output };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      runs: { type: 'string', default: '5' },
      suite: { type: 'string', multiple: true },
      'back-to-back': { type: 'boolean', default: false },
      keep: { type: 'string' },
    },
  });
  const count = Number(values.runs);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const { path, location } = benchKubeconfig(values.kubeconfig);
  const session = await openKubeSession(location, { qps: 5 });
  const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'shakedown-full-run-')));
  await mkdir(dir, { recursive: true });
  const extra = (values.suite ?? []).flatMap((suite) => ['--suite', suite]);
  const runs: FullRun[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      if (!values['back-to-back']) {
        const rest = await poll(
          async () => (await session.clients.core.listNamespace({ labelSelector: ownedSelector() })).items.length,
          (left) => left === 0,
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        if (!rest.ok) console.log(`(${rest.value} namespace(s) of earlier runs still there after 60 s; starting anyway)`);
      }
      const run = await runOnce(path, join(dir, `run-${i}.json`), extra);
      runs.push(run);
      if (run.shape === undefined)
        console.log(`run ${i}: wall ${s(run.wallMs)} s, exit ${run.exitCode}; no JSON report\n${run.output.split('\n').slice(-20).join('\n')}`);
      else console.log(describeRun(i, run.wallMs, run.exitCode, run.shape));
    }
  } finally {
    await session.close();
    if (values.keep === undefined) await rm(dir, { recursive: true, force: true });
  }
  const walls = runs.map((run) => run.wallMs);
  const wall = median(walls);
  const failed = runs.filter((run) => run.exitCode !== 0).length;
  const ends = Map.groupBy(
    runs.flatMap((run) => run.shape?.path.at(-1) ?? []),
    (p) => `${p.suite} › ${p.check}`,
  );
  const usual = [...ends].sort((a, b) => b[1].length - a[1].length)[0];
  console.log(
    `median wall time ${s(wall)} s over ${count} run(s)${values['back-to-back'] ? ' back to back' : ' each on a cluster at rest'} (min ${s(Math.min(...walls))}, max ${s(Math.max(...walls))}); target under ${TARGET_MS / 1000} s: ${wall < TARGET_MS ? 'met' : 'NOT met'}${failed > 0 ? `; ${failed} run(s) did not exit 0` : ''}`,
  );
  if (usual !== undefined)
    console.log(
      `the wall time waited most often on ${usual[0]} (${usual[1].length} of ${runs.length})${values.keep === undefined ? '' : `; reports kept in ${dir}`}`,
    );
  if (wall >= TARGET_MS || failed > 0) process.exitCode = 1;
}

if (import.meta.main) await main();
