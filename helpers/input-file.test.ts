import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError, readInputFile, readInputFileSync } from './input-file.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'sd-input-'));
}

function fifo(): string {
  const path = join(dir(), 'pipe');
  execFileSync('mkfifo', [path]);
  return path;
}

async function reason(read: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await read();
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).reason;
  }
  throw new Error('expected the read to fail');
}

describe('readInputFile and readInputFileSync', () => {
  const d = dir();
  writeFileSync(join(d, 'config'), 'apiVersion: v1\n');
  writeFileSync(join(d, 'big'), 'x'.repeat(100));
  const refusals: [what: string, path: string, reason: string][] = [
    ['a missing file', join(d, 'nope'), 'does not exist'],
    ['a path through a file', join(d, 'config', 'x'), 'does not exist (a part of its path is not a directory)'],
    ['a directory', d, 'is a directory, not a file'],
    ['a character device', '/dev/null', 'is a character device (a terminal or a device), not a file or a pipe'],
    ['a file over the size bound', join(d, 'big'), 'is larger than 10 bytes'],
  ];
  it.each(refusals)('refuses %s, saying what it is', async (_what, path, expected) => {
    expect(await reason(() => readInputFile(path, { maxBytes: 10 }))).toBe(expected);
    expect(await reason(() => readInputFileSync(path, { maxBytes: 10 }))).toBe(expected);
  });

  it('reads a regular file', async () => {
    expect(await readInputFile(join(d, 'config'))).toEqual({ text: 'apiVersion: v1\n', pipe: false });
    expect(readInputFileSync(join(d, 'config'))).toEqual({ text: 'apiVersion: v1\n', pipe: false });
  });
});

describe('readInputFile on a pipe', () => {
  it('reads what the writer wrote once it closes the pipe', async () => {
    const path = fifo();
    const reading = readInputFile(path);
    await writeFile(path, 'clusters: []\n');
    expect(await reading).toEqual({ text: 'clusters: []\n', pipe: true });
  });

  it('refuses a pipe when told to, without waiting for a writer', async () => {
    const path = fifo();
    expect(await reason(() => readInputFile(path, { pipes: false }))).toBe('is a pipe, not a file');
    expect(await reason(() => readInputFileSync(path, { pipes: false }))).toBe('is a pipe, not a file');
    expect(await reason(() => readInputFile('/dev/null', { pipes: false }))).toBe('is a character device (a terminal or a device), not a file');
  });

  it('gives up after the bound when no writer comes, saying so', async () => {
    const path = fifo();
    const started = Date.now();
    expect(await reason(() => readInputFile(path, { boundMs: 200 }))).toBe('is a pipe and nothing wrote to it and closed it within 0.2 s');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("stops waiting at once when its signal aborts, with the signal's reason", async () => {
    const path = fifo();
    const abort = new AbortController();
    const reading = readInputFile(path, { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('SIGINT')), 50);
    const started = Date.now();
    await expect(reading).rejects.toThrow('SIGINT');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a pipe that gives more than the size bound', async () => {
    const path = fifo();
    const refused = reason(() => readInputFile(path, { maxBytes: 4 }));
    // The reader closes the pipe early: the writer may be refused (EPIPE).
    await writeFile(path, 'too long for the bound').catch(() => undefined);
    expect(await refused).toBe('is a pipe that gave more than 4 bytes');
  });
});

describe('readInputFileSync on a pipe', () => {
  it('reads what another process writes, and gives up after the bound when none does', async () => {
    const path = fifo();
    const writer = spawn('sh', ['-c', 'sleep 0.2; printf "contexts: []\\n" > "$0"', path]);
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    expect(readInputFileSync(path, { boundMs: 10_000 })).toEqual({ text: 'contexts: []\n', pipe: true });
    await exited;
    expect(await reason(() => readInputFileSync(fifo(), { boundMs: 200 }))).toBe('is a pipe and nothing wrote to it and closed it within 0.2 s');
  });
});
