// Running programs: one place that turns a failed command into a ClusterError with its output.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { ClusterError } from './errors.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Enter this network namespace (a path under /run/netns or /proc/PID/ns/net). */
  netns?: string;
  /** Enter this mount namespace (a bind-mounted nsfs file). */
  mntns?: string;
  hint?: string;
}

export function wrapNs(cmd: string, args: string[], o: RunOptions): [string, string[]] {
  if (!o.netns && !o.mntns) return [cmd, args];
  const ns: string[] = [];
  if (o.mntns) ns.push(`--mount=${o.mntns}`);
  if (o.netns) ns.push(`--net=${o.netns}`);
  return ['nsenter', [...ns, '--', cmd, ...args]];
}

/** Runs a command to completion and returns its stdout; throws CLUSTER_COMMAND_FAILED with stderr. */
export function run(cmd: string, args: string[], o: RunOptions = {}): string {
  const [c, a] = wrapNs(cmd, args, o);
  const r = spawnSync(c, a, { cwd: o.cwd, env: o.env ?? process.env, input: o.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error)
    throw new ClusterError('CLUSTER_COMMAND_FAILED', `${c} could not start: ${r.error.message}`, { cause: r.error, ...(o.hint ? { hint: o.hint } : {}) });
  if (r.status !== 0) {
    throw new ClusterError('CLUSTER_COMMAND_FAILED', `\`${[c, ...a].join(' ')}\` exited with ${r.status ?? r.signal}`, {
      logTail: tail(`${r.stdout}\n${r.stderr}`, 30),
      ...(o.hint ? { hint: o.hint } : {}),
    });
  }
  return r.stdout;
}

/** Like run, but a failure is an answer (null), not an error: for probing and best-effort cleanup. */
export function tryRun(cmd: string, args: string[], o: RunOptions = {}): string | null {
  try {
    return run(cmd, args, o);
  } catch {
    return null;
  }
}

/** Runs a long command with its output streamed to a log file; rejects with the log's tail. */
export function runLogged(cmd: string, args: string[], logFile: string, o: RunOptions = {}): Promise<void> {
  const [c, a] = wrapNs(cmd, args, o);
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(c, a, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', fd, fd] });
    child.on('error', (e) => {
      closeSync(fd);
      reject(new ClusterError('CLUSTER_COMMAND_FAILED', `${c} could not start: ${e.message}`, { cause: e }));
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      if (code === 0) return resolve();
      reject(
        new ClusterError('CLUSTER_COMMAND_FAILED', `\`${[c, ...a].join(' ')}\` exited with ${code ?? signal} (log: ${logFile})`, {
          logTail: tail(readFileSync(logFile, 'utf8'), 40),
          ...(o.hint ? { hint: o.hint } : {}),
        }),
      );
    });
  });
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function which(cmd: string): string | null {
  const out = tryRun('sh', ['-c', `command -v ${JSON.stringify(cmd)}`]);
  return out ? out.trim() : null;
}
