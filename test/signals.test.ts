// Ctrl-C and SIGTERM at the moments a run waits before it has anything to clean up: on a
// kubeconfig that is a pipe nothing writes, on an exec credential plugin that does not return, on
// an API server that accepts connections and never answers. The CLI runs in a child process, as a
// user runs it; network traffic stays on 127.0.0.1. And a pipe that is written (process
// substitution, --kubeconfig <(vault read ...)) is read.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeKubeconfig } from '../helpers/kube/testing/fake-apiserver.ts';
import { CLI, ROOT } from './cli-child.ts';

// What a user sees: the first stop line on stderr, the run's error on stdout.
const STOPPING = /^(SIGINT|SIGTERM): stopping the run and cleaning up \(press Ctrl-C again to leave at once; a later run removes what is left\)$/;
const EXIT_BOUND_MS = 2000;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  // From the signal to the end of the process.
  exitMs: number;
}

interface Started {
  child: ChildProcess;
  // Sends the signal once `ready` holds (polled), and resolves when the process has ended.
  stopWhen(ready: () => boolean, signal: NodeJS.Signals): Promise<Ended>;
  ended: Promise<Omit<Ended, 'exitMs'>>;
}

function start(args: string[], options: { shell?: string } = {}): Started {
  const home = mkdtempSync(join(tmpdir(), 'sd-home-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' };
  const child =
    options.shell === undefined
      ? spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env })
      : spawn('bash', ['-c', options.shell, process.execPath, CLI, ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<Omit<Ended, 'exitMs'>>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    ended,
    async stopWhen(ready, signal) {
      const deadline = Date.now() + 60_000;
      while (!ready()) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the CLI ended or never got ready: ${stdout}${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = Date.now();
      child.kill(signal);
      const result = await ended;
      return { ...result, exitMs: Date.now() - sent };
    },
  };
}

// Whether the process holds the file open (Linux: /proc/PID/fd).
function holds(pid: number | undefined, path: string): boolean {
  if (pid === undefined) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

// Whether the process runs (a zombie left for a parent that never reaps it has ended).
function running(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}

function fifo(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sd-fifo-')), 'kubeconfig');
  execFileSync('mkfifo', [path]);
  return path;
}

function expectStopped(ended: Ended, signal: NodeJS.Signals): void {
  expect(ended.exitMs).toBeLessThan(EXIT_BOUND_MS);
  // The interrupted path's exit code: the run could not give a verdict.
  expect(ended.code).toBe(2);
  const lines = ended.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(STOPPING);
  expect(lines[0]?.startsWith(signal)).toBe(true);
  expect(ended.stdout.split('\n')[0]).toBe(`error SD_INTERRUPTED: the run was interrupted by ${signal}`);
  expect(ended.stdout + ended.stderr).not.toMatch(/^\s+at /m);
}

const exitTimes: string[] = [];

describe('Ctrl-C and SIGTERM before the run has anything to clean up', { timeout: 90_000 }, () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s while the kubeconfig is a pipe nothing writes: exits within 2 s with one line', async (signal) => {
    const path = fifo();
    const run = start(['run', '--kubeconfig', path]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const ended = await run.stopWhen(() => holds(run.child.pid, path), signal);
    exitTimes.push(`${signal} on a kubeconfig pipe: ${ended.exitMs} ms`);
    // The kubeconfig is read before the run starts (bad input is said before any report): the stop
    // ends the command there, with its error (and hint) on stderr and nothing on stdout.
    expect(ended.exitMs).toBeLessThan(EXIT_BOUND_MS);
    expect(ended.code).toBe(2);
    const lines = ended.stderr.trim().split('\n');
    expect(lines[0]).toBe(`error SD_INTERRUPTED: interrupted by ${signal}`);
    expect(lines).toHaveLength(2);
    expect(ended.stdout).toBe('');
  });

  it('SIGINT while an exec credential plugin does not return: exits within 2 s and the plugin is ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-plugin-'));
    const plugin = join(dir, 'plugin');
    writeFileSync(plugin, `#!/bin/sh\necho $$ > "${join(dir, 'pid')}"\nexec sleep 60\n`);
    chmodSync(plugin, 0o755);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      fakeKubeconfig('https://127.0.0.1:1').replace('    token: test-token', `    exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}}`),
    );
    const run = start(['run', '--kubeconfig', kubeconfig]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const ended = await run.stopWhen(() => existsSync(join(dir, 'pid')), 'SIGINT');
    exitTimes.push(`SIGINT during an exec plugin: ${ended.exitMs} ms`);
    expectStopped(ended, 'SIGINT');
    const pid = readFileSync(join(dir, 'pid'), 'utf8').trim();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(running(pid)).toBe(false);
  });

  it('SIGINT while the API server accepts and never answers: exits within 2 s', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      server.close();
    });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'sd-silent-')), 'kubeconfig');
    writeFileSync(kubeconfig, fakeKubeconfig(`https://127.0.0.1:${(server.address() as AddressInfo).port}`));
    const run = start(['run', '--kubeconfig', kubeconfig]);
    cleanups.push(() => run.child.kill('SIGKILL'));
    // Once the CLI has connected, it waits for the TLS handshake.
    const ended = await run.stopWhen(() => sockets.size > 0, 'SIGINT');
    exitTimes.push(`SIGINT while preflight waits on a silent server: ${ended.exitMs} ms`);
    expectStopped(ended, 'SIGINT');
  });

  it('reports the exit times it measured', () => {
    console.log(exitTimes.join('\n'));
  });
});

describe('a kubeconfig that is a pipe, written', { timeout: 90_000 }, () => {
  const unreachable = (output: string) =>
    expect(output.split('\n')[0]).toBe(
      'error SD_API_UNREACHABLE: cannot reach the API server at https://127.0.0.1:1 (context "fake"): connection refused (ECONNREFUSED)',
    );

  it('is read once its writer closes it (a named pipe written after the CLI started)', async () => {
    const path = fifo();
    const run = start(['run', '--kubeconfig', path]);
    await writeFile(path, fakeKubeconfig('https://127.0.0.1:1'));
    const ended = await run.ended;
    expect(ended.code).toBe(2);
    unreachable(ended.stdout);
  });

  it('is read from process substitution, --kubeconfig <(command)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sd-subst-')), 'kubeconfig');
    writeFileSync(file, fakeKubeconfig('https://127.0.0.1:1'));
    // bash -c SCRIPT node cli.ts: the kubeconfig comes from a command that takes a moment.
    const run = start([], { shell: `exec "$0" "$1" run --kubeconfig <(sleep 0.5; cat '${file}')` });
    const ended = await run.ended;
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(2);
    unreachable(ended.stdout);
  });
});
