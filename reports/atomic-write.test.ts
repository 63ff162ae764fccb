import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, lstatSync, openSync, readlinkSync, statSync, writeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { writeFileAtomic } from './atomic-write.ts';

// The real rename, wrapped so one test can make it fail after the temporary file is written.
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, rename: vi.fn(real.rename) };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

describe('writeFileAtomic', () => {
  it('replaces a regular file by a rename (a new inode), keeping its mode, and leaves no temporary file', async () => {
    const path = join(dir, 'report.xml');
    await writeFileAtomic(path, 'first');
    await chmod(path, 0o640);
    const before = statSync(path);
    await writeFileAtomic(path, 'second ü');
    expect(await readFile(path, 'utf8')).toBe('second ü');
    const after = statSync(path);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['report.xml']);
  });

  it('writes through a link, which stays a link to the new content', async () => {
    await mkdir(join(dir, 'real'));
    const target = join(dir, 'real', 'report.json');
    await writeFile(target, 'old');
    const link = join(dir, 'report.json');
    await symlink('real/report.json', link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real/report.json');
    expect(await readFile(link, 'utf8')).toBe('new');
    expect(await readdir(join(dir, 'real'))).toEqual(['report.json']);
  });

  it('writes through a dangling link: its target is made, the link stays', async () => {
    const link = join(dir, 'report.json');
    await symlink('made-now.json', link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'made-now.json'), 'utf8')).toBe('new');
    expect((await readdir(dir)).sort()).toEqual(['made-now.json', 'report.json']);
  });

  it('writes straight into a FIFO, read at the same time; the FIFO stays', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const read = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(fifo, 'utf8')
        .on('data', (chunk) => (text += String(chunk)))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    const big = `${'x'.repeat(200_000)}\n`;
    await writeFileAtomic(fifo, big);
    expect(await read).toBe(big);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(['fifo']);
  });

  it('writes to /dev/null, which stays a character device, and says when a device refuses (/dev/full)', async () => {
    await writeFileAtomic('/dev/null', 'gone');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    const error = await failure(writeFileAtomic('/dev/full', 'x'));
    expect(error).toMatchObject({ code: 'SD_REPORT_WRITE_FAILED', message: expect.stringMatching(/^cannot write \/dev\/full: ENOSPC/) });
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('appends through a descriptor link of /proc (/dev/stdout redirected to a file), never replacing the file', async () => {
    const path = join(dir, 'redirected.txt');
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, 'console\n');
      const inode = statSync(path).ino;
      await writeFileAtomic(`/proc/self/fd/${fd}`, 'report\n');
      expect(await readFile(path, 'utf8')).toBe('console\nreport\n');
      expect(statSync(path).ino).toBe(inode);
    } finally {
      closeSync(fd);
    }
  });

  it('writes - to the stream it is given, and only to one', async () => {
    const chunks: string[] = [];
    await writeFileAtomic('-', 'document', { write: (text: string) => chunks.push(text) });
    expect(chunks).toEqual(['document']);
    expect(await failure(writeFileAtomic('-', 'document'))).toMatchObject({ code: 'SD_INTERNAL' });
  });

  it('refuses /proc at once (where making its directory would never end) and a directory, creating nothing', async () => {
    const started = performance.now();
    expect(await failure(writeFileAtomic('/proc/x/j.xml', 'x'))).toMatchObject({
      code: 'SD_REPORT_WRITE_FAILED',
      message: 'cannot write /proc/x/j.xml: is under /proc, on procfs (a kernel filesystem): no report is written there',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await failure(writeFileAtomic(dir, 'x'))).toMatchObject({
      code: 'SD_REPORT_WRITE_FAILED',
      message: `cannot write ${dir}: is a directory; name a file in it`,
    });
    await writeFile(join(dir, 'file'), '');
    expect(await failure(writeFileAtomic(join(dir, 'file', 'sub', 'r.json'), 'x'))).toMatchObject({
      code: 'SD_REPORT_WRITE_FAILED',
      message: `cannot write ${join(dir, 'file', 'sub', 'r.json')}: ${join(dir, 'file')} is not a directory`,
    });
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('makes a missing directory for its callers (the CLI refuses one before the run)', async () => {
    const path = join(dir, 'out', 'deeper', 'report.xml');
    await writeFileAtomic(path, 'made');
    expect(await readFile(path, 'utf8')).toBe('made');
    expect(await readdir(join(dir, 'out', 'deeper'))).toEqual(['report.xml']);
  });

  it('fails with SD_REPORT_WRITE_FAILED, keeps the cause, cleans up its temp file and leaves the old report', async () => {
    const path = join(dir, 'report.xml');
    await writeFile(path, 'old');
    vi.mocked(rename).mockRejectedValueOnce(Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' }));
    const error = await failure(writeFileAtomic(path, 'new'));
    expect(error).toBeInstanceOf(ShakedownError);
    expect(error).toMatchObject({ code: 'SD_REPORT_WRITE_FAILED', message: `cannot write ${path}: EXDEV: cross-device link not permitted` });
    expect((error as ShakedownError).cause).toBeInstanceOf(Error);
    expect(await readdir(dir)).toEqual(['report.xml']);
    expect(await readFile(path, 'utf8')).toBe('old');
  });
});
