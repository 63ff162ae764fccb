import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ShakedownError } from '../helpers/errors.ts';

// Writes a temp file beside the target, syncs it and renames it over the
// target, so a reader (or a crash) never sees a half-written report.
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    // The write error is the one worth reporting; a failed cleanup adds nothing to it.
    await rm(temp, { force: true }).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new ShakedownError('SD_REPORT_WRITE_FAILED', `cannot write ${path}: ${reason}`, { cause: error });
  }
}
