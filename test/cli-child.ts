// Runs a Node entry point of this repository (the shakedown CLI, the cluster harness) in a child
// process, as a user would, and collects its output; `onOutput` sees it as it arrives (to send a
// signal at the right moment, say). Shared by the tests against the real cluster.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'cli', 'shakedown.ts');
export const KUBECONFIG = join(ROOT, '.cluster', 'kubeconfig');

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  env?: Record<string, string>;
  onOutput?: (text: string, child: ChildProcess) => void;
}

export function runNode(args: string[], o: ChildOptions = {}): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      o.onOutput?.(stdout + stderr, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      o.onOutput?.(stdout + stderr, child);
    });
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

export function shakedown(args: string[], o: ChildOptions = {}): Promise<Ran> {
  return runNode([CLI, ...args], o);
}

/** A check result as the JSON report holds it, flattened for tests (every variant's fields optional). */
export interface ReportResult {
  suite: string;
  check: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  message: string;
  durationMs: number;
  likelyCause?: string;
  classification?: string;
  skipReason?: string;
  origin?: { dimension: string; value: string; confidence: string; suspect?: string };
  evidence: { label: string; text: string }[];
}

export interface Report {
  complete: boolean;
  run: { runId: string; startedAt: string; finishedAt: string; properties: Record<string, string> };
  errors: { code: string; message: string }[];
  results: ReportResult[];
}

/** The JSON report a run wrote (--json FILE). */
export function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}
