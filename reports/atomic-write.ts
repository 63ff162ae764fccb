// Writes a report where its path says (report-path.ts), asked again at the moment of writing:
// - `-`: the stream given (standard output), as one write;
// - a character device or a FIFO (/dev/null, /dev/stdout): opened as named and written, never
//   replaced, never synced;
// - a regular file, or none yet: a temporary file beside the file at the end of any chain of links
//   is written, synced and renamed over it, so a reader (or a crash) never sees a half-written
//   report and a link stays a link to the new content. The replaced file's mode (and, where
//   allowed, owner) carry over. A missing directory is made (the CLI refuses one before the run,
//   so this serves the writer's other callers), never on a kernel filesystem such as /proc.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ShakedownError } from '../helpers/errors.ts';
import type { OutputStream } from '../helpers/reporter.ts';
import { reportPath, STDOUT, type ReportTarget } from './report-path.ts';

export async function writeFileAtomic(path: string, data: string, stdout?: OutputStream): Promise<void> {
  const target = reportPath(path);
  if (target.kind === 'refused') throw new ShakedownError('SD_REPORT_WRITE_FAILED', `cannot write ${path}: ${target.problem}`);
  if (target.kind === 'stdout') {
    if (stdout === undefined) throw new ShakedownError('SD_INTERNAL', `${STDOUT} names standard output, and the writer was given no stream for it`);
    stdout.write(data);
    return;
  }
  try {
    await (target.kind === 'direct' ? writeDirect(target.path, data) : writeBeside(target, data));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ShakedownError('SD_REPORT_WRITE_FAILED', `cannot write ${path}: ${reason}`, { cause: error });
  }
}

// Appended, without creating anything: a device ignores the offset, and a file reached through a
// descriptor link (/dev/stdout redirected to a file) keeps what was written to it before.
async function writeDirect(path: string, data: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_APPEND);
  try {
    await handle.writeFile(data, 'utf8');
  } finally {
    await handle.close();
  }
}

async function writeBeside(target: Extract<ReportTarget, { kind: 'file' }>, data: string): Promise<void> {
  const dir = dirname(target.path);
  if (target.missing !== undefined) await mkdir(target.missing, { recursive: true });
  const temp = join(dir, `.${basename(target.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Exclusive: a link planted at the temporary name is never followed.
  const handle = await open(temp, 'wx', 0o666);
  try {
    try {
      if (target.existing !== undefined) {
        // Only root may give a file away; anyone keeps their own.
        await handle.chown(target.existing.uid, target.existing.gid).catch(() => undefined);
        await handle.chmod(target.existing.mode & 0o777);
      }
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target.path);
  } catch (error) {
    // The write error is the one worth reporting; a failed cleanup adds nothing to it.
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

// The rename itself survives a power loss once the directory is synced; a filesystem that cannot
// sync a directory still has the report.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
