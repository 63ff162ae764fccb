// Benchmark of `shakedown run --profile quick` as a user runs it: the CLI as a child process, its
// wall time from start to exit, over several runs, with the median against the target (under 20 s
// on the local cluster) and where the time went, read from the run's own progress lines (--verbose
// prints each setup and teardown step with the seconds since the run started).
// Each run starts on a cluster at rest: the previous run's namespaces, deleted but not waited for
// under this profile, are first gone (--back-to-back: start at once, as a loop in CI would; the
// namespace controller and the kubelets still at work on the same machine slow it down).
// Usage: npx node bench/quick.ts [--kubeconfig FILE] [--runs N] [--back-to-back]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { openKubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { benchKubeconfig } from './suite-run.ts';

const TARGET_MS = 20_000;

// Progress steps whose elapsed time marks a phase boundary, in run order.
const MARKS = {
  fleetDeploy: /deploying the probe fleet/,
  fleetReady: /probe fleet ready/,
  suitesRunning: /running \d+ suites?|running the suite/,
  teardown: /delete the namespaces of run/,
  closed: /close the API connection/,
} as const;
type Mark = keyof typeof MARKS;

interface QuickRun {
  wallMs: number;
  exitCode: number | null;
  marks: Partial<Record<Mark, number>>;
  summary: string;
}

async function runOnce(kubeconfig: string): Promise<QuickRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'cli', 'shakedown.ts'), 'run', '--profile', 'quick', '--verbose', '--kubeconfig', kubeconfig], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const marks: QuickRun['marks'] = {};
  for (const line of output.split('\n')) {
    const elapsed = /…\s+([\d.]+)s\s+(.*)$/.exec(line);
    if (elapsed === null) continue;
    for (const [mark, pattern] of Object.entries(MARKS) as [Mark, RegExp][]) {
      if (marks[mark] === undefined && pattern.test(elapsed[2] ?? '')) marks[mark] = Number(elapsed[1]) * 1000;
    }
  }
  const summary = output
    .split('\n')
    .filter((line) => /^(ran \d+ checks|\d+ passed)/.test(line))
    .join('; ');
  return { wallMs, exitCode, marks, summary };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const s = (ms: number | undefined) => (ms === undefined ? '  n/a' : `${(ms / 1000).toFixed(1).padStart(5)}`);
const span = (run: QuickRun, from: Mark | 0, to: Mark | 'end'): number | undefined => {
  const start = from === 0 ? 0 : run.marks[from];
  const end = to === 'end' ? run.wallMs : run.marks[to];
  return start === undefined || end === undefined ? undefined : end - start;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { kubeconfig: { type: 'string' }, runs: { type: 'string', default: '5' }, 'back-to-back': { type: 'boolean', default: false } },
  });
  const { path, location } = benchKubeconfig(values.kubeconfig);
  const session = await openKubeSession(location, { qps: 5 });
  // Until no namespace of any shakedown run is left (at most a minute).
  const atRest = async () => {
    for (let waited = 0; waited < 60_000; waited += 1000) {
      if ((await session.clients.core.listNamespace({ labelSelector: ownedSelector() })).items.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  const count = Number(values.runs);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const runs: QuickRun[] = [];
  console.log('run   wall  preflight  fleet  suites  teardown  exit  summary');
  for (let i = 1; i <= count; i++) {
    if (!values['back-to-back']) await atRest();
    const run = await runOnce(path);
    runs.push(run);
    console.log(
      `${String(i).padStart(3)}  ${s(run.wallMs)}  ${s(span(run, 0, 'fleetDeploy'))}      ${s(span(run, 'fleetDeploy', 'suitesRunning'))}  ${s(span(run, 'suitesRunning', 'teardown'))}   ${s(span(run, 'teardown', 'end'))}    ${run.exitCode}  ${run.summary}`,
    );
  }
  const wall = median(runs.map((run) => run.wallMs));
  const failed = runs.filter((run) => run.exitCode !== 0).length;
  await session.close();
  console.log(
    `median wall time ${s(wall).trim()} s over ${count} run(s)${values['back-to-back'] ? ' back to back' : ' each on a cluster at rest'} (min ${s(Math.min(...runs.map((r) => r.wallMs))).trim()}, max ${s(Math.max(...runs.map((r) => r.wallMs))).trim()}); target under ${TARGET_MS / 1000} s: ${wall < TARGET_MS ? 'met' : 'NOT met'}${failed > 0 ? `; ${failed} run(s) did not exit 0` : ''}`,
  );
  if (wall >= TARGET_MS || failed > 0) process.exitCode = 1;
}

await main();
