import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { writeFileAtomic } from './atomic-write.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing directories, replaces an existing file and leaves no temp file', async () => {
    const path = join(dir, 'out', 'report.xml');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, 'second ü');
    expect(await readFile(path, 'utf8')).toBe('second ü');
    expect(await readdir(join(dir, 'out'))).toEqual(['report.xml']);
  });

  it('fails with SD_REPORT_WRITE_FAILED, keeps the cause and cleans up its temp file', async () => {
    const path = join(dir, 'report.xml');
    await mkdir(path);
    await writeFile(join(path, 'keep'), '');
    const error = await writeFileAtomic(path, 'x').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ShakedownError);
    expect(error).toMatchObject({ code: 'SD_REPORT_WRITE_FAILED' });
    expect((error as ShakedownError).message).toContain(path);
    expect((error as ShakedownError).cause).toBeInstanceOf(Error);
    expect(await readdir(dir)).toEqual(['report.xml']);
  });
});
