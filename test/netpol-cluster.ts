// Shared by the netpol cluster tests: run the shakedown CLI in a child process, switch the local
// cluster's NetworkPolicy enforcer, and list what a run left behind.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openKubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const KUBECONFIG = join(ROOT, '.cluster', 'kubeconfig');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export function shakedown(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return run([join(ROOT, 'cli', 'shakedown.ts'), ...args], env);
}

// `npm run cluster:enforcer -- on|off`: kube-router stopped (and its rules removed) or started on every node.
export async function enforcer(state: 'on' | 'off'): Promise<void> {
  const ran = await run([join(ROOT, 'ci', 'cluster', 'main.ts'), 'enforcer', state]);
  if (ran.code !== 0) throw new Error(`cluster:enforcer ${state} failed (exit ${ran.code}): ${ran.stderr}${ran.stdout}`);
}

export interface ReportResult {
  suite: string;
  check: string;
  status: 'pass' | 'fail' | 'skip';
  message: string;
  classification?: string;
  skipReason?: string;
  evidence: { label: string; text: string }[];
}

export function readReport(file: string): { run: { runId: string }; results: ReportResult[] } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function namespacesOfRun(runId: string): Promise<string[]> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  try {
    const list = await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) });
    return list.items.map((ns) => `${ns.metadata?.name} (${ns.status?.phase})`);
  } finally {
    await session.close();
  }
}
