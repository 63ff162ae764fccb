// Benchmark of `shakedown history` as a user runs it: 100 JSON reports of 120 checks each (shaped
// like real ones: figure tables, timings in run properties, failures with evidence and logs; about
// 5 MB in all), read by the CLI as a child process writing the console summary, --html and --json;
// its wall time from start to exit over several runs after a warm-up, the median against the
// target (under 2 s). No cluster needed.
// Usage: npx node bench/history.ts [--runs N] [--reports N] [--checks N]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { writeSyntheticReports } from '../reports/history/testing/nights.ts';

const TARGET_MS = 2000;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, reports: { type: 'string', default: '100' }, checks: { type: 'string', default: '120' } },
});
const [runs, reports, checks] = [values.runs, values.reports, values.checks].map(Number) as [number, number, number];

async function runOnce(dir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(PACKAGE_ROOT, 'cli', 'shakedown.ts'), 'history', join(dir, 'nights'), '--html', join(dir, 'history.html'), '--json', join(dir, 'history.json')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`shakedown history exited ${code}: ${stderr}`);
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), 'sd-bench-history-'));
try {
  const files = writeSyntheticReports(join(dir, 'nights'), reports, checks);
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  await runOnce(dir);
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) times.push(await runOnce(dir));
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    [
      `shakedown history over ${reports} reports of ${checks} checks (${(bytes / 2 ** 20).toFixed(1)} MiB), summary + --html (${(statSync(join(dir, 'history.html')).size / 2 ** 20).toFixed(1)} MiB) + --json, as a process:`,
      `  median ${s(median)} of ${runs} runs after a warm-up (min ${s(sorted[0] ?? 0)}, max ${s(sorted.at(-1) ?? 0)}); target under ${s(TARGET_MS)}: ${median < TARGET_MS ? 'met' : 'MISSED'}`,
    ].join('\n'),
  );
  console.log(JSON.stringify({ reports, checks, bytes, runsMs: times.map(Math.round), medianMs: Math.round(median), targetMs: TARGET_MS }));
  if (median >= TARGET_MS) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
