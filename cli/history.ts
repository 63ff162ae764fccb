// `shakedown history DIR|FILE... [--html FILE] [--json FILE] [--flaky-flips N]`: per check, its
// outcomes across JSON reports ordered by when each run started (reports/history/). The summary on
// the console (on stderr when a report goes to standard output); exit 0 when the history was made,
// 2 when a report cannot be read or an output cannot be written.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { quote } from '../helpers/config-values.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { writeFileAtomic } from '../reports/atomic-write.ts';
import { renderHistorySummary } from '../reports/history/console.ts';
import { renderHistoryHtml } from '../reports/history/html.ts';
import { renderHistoryJson } from '../reports/history/json.ts';
import { buildHistory, DEFAULT_FLAKY_FLIPS } from '../reports/history/model.ts';
import { readReports } from '../reports/history/read.ts';
import { checkReportPath, STDOUT } from '../reports/report-path.ts';
import { commandsWith, optionsFor, parseFlags } from './args.ts';
import { findCommand } from './commands.ts';
import type { CliIo } from './io.ts';

const USAGE = [
  'usage: shakedown history DIR|FILE... [--html FILE] [--json FILE] [--flaky-flips N]',
  '',
  'Reads JSON reports of shakedown run (--json FILE), each named or every *.json of a directory, and',
  'orders them by when each run started (the nights). Per check (suite › check): its outcome each night,',
  'its flips between failing and not failing, its pass rate (passed or warned, of the nights it ran) and',
  'the first night it failed; a waived failure is a failure, shown apart. The console says which checks',
  `are flaky (flipped more than --flaky-flips times, default ${DEFAULT_FLAKY_FLIPS}), which fail for the first time in the last`,
  'night and which have been failing since an earlier one.',
  '',
  '  --html FILE  a page with the grid of checks × nights and the trend of each measured figure',
  '               (run time, DNS p99, NetworkPolicy enforcement latency, time to Bound, ...)',
  '  --json FILE  the same for machines (reports/schema/history-v1.schema.json)',
  '  - for FILE is standard output (one of the two at most); the summary then goes to stderr.',
  '',
  'Exit 0 when the history was made; 2 when a report cannot be read (not a shakedown report, a newer',
  'schemaVersion, unreadable) or an output cannot be written.',
].join('\n');

const HINT = 'See `shakedown history --help`.';
const bad = (message: string): ShakedownError => new ShakedownError('SD_BAD_FLAG', message, { hint: HINT });
const string = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function flakyFlips(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_FLAKY_FLIPS;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 1000)) throw bad(`--flaky-flips must be a whole number from 0 to 1000, got ${quote(raw)}`);
  return value;
}

export async function historyCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const command = findCommand('history');
  if (command === undefined) throw new ShakedownError('SD_INTERNAL', 'the command table has no history');
  const { values, positionals } = parseFlags('history', argv, optionsFor(command), { positionals: true, elsewhere: (flag) => commandsWith(flag) });
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw bad('shakedown history takes the reports to read: JSON report files or directories of them (got none)');
  const odd = positionals.find((p) => p.trim() === '' || /[\u0000-\u001f\u007f]/.test(p));
  if (odd !== undefined) throw bad(`shakedown history takes report files and directories; ${quote(odd)} is not a file name`);
  const flips = flakyFlips(string(values['flaky-flips']));
  const outputs = checkOutputs(io.cwd, { html: string(values.html), json: string(values.json) });
  const read = readReports(positionals, io.cwd);
  const inputs = new Set(read.reports.map((report) => realPath(report.path)));
  for (const [flag, path] of Object.entries(outputs)) {
    if (path !== undefined && path !== STDOUT && inputs.has(realPath(path)))
      throw bad(`--${flag} ${path} is one of the reports read: give the ${flag === 'html' ? 'page' : 'history'} a file of its own`);
  }
  const history = buildHistory(read.reports, { flakyFlips: flips, notes: read.notes });
  const toStdout = outputs.html === STDOUT || outputs.json === STDOUT;
  (toStdout ? io.stderr : io.stdout).write(`${renderHistorySummary(history)}\n`);
  if (outputs.json !== undefined) await writeFileAtomic(outputs.json, renderHistoryJson(history), io.stdout);
  if (outputs.html !== undefined) await writeFileAtomic(outputs.html, renderHistoryHtml(history), io.stdout);
  return 0;
}

// Where --html and --json go, checked before any report is read: a missing directory, two outputs
// in one file or both on standard output are said at once. Files as absolute paths.
function checkOutputs(cwd: string, given: { html: string | undefined; json: string | undefined }): { html?: string; json?: string } {
  const outputs: { html?: string; json?: string } = {};
  for (const flag of ['html', 'json'] as const) {
    const path = given[flag];
    if (path === undefined) continue;
    if (path.trim() === '') throw bad(`--${flag} must not be empty`);
    if (path === STDOUT) {
      outputs[flag] = STDOUT;
      continue;
    }
    const target = checkReportPath(resolve(cwd, path), { kind: 'flag', flag });
    outputs[flag] = target.kind === 'file' ? target.path : resolve(cwd, path);
  }
  if (outputs.html === STDOUT && outputs.json === STDOUT) throw bad('--html and --json are both - (standard output): only one can go there');
  if (outputs.html !== undefined && outputs.html !== STDOUT && outputs.html === outputs.json)
    throw bad(`--html and --json both write ${outputs.html}: one would replace the other`);
  return outputs;
}

// The file at the end of any links, to compare with where an output goes.
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
