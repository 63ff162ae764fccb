// The data pods' program, run here for real with node against a temporary directory.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_SCRIPT, parseDataReport, throughput, type ReadReport, type WriteReport } from './data-script.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(mode: string, at = dir): string {
  try {
    return execFileSync(process.execPath, ['-e', DATA_SCRIPT], {
      env: { DIR: at, MODE: mode, DATA_MB: '2' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
}

describe('the data script', () => {
  it('writes with a checksum, reads it back equal, and reports write permission', () => {
    const written = parseDataReport(run('write')) as WriteReport;
    expect(written).toMatchObject({ ok: true, mode: 'write', bytes: 2 << 20 });
    expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);
    const read = parseDataReport(run('read')) as ReadReport;
    expect(read).toMatchObject({ ok: true, bytes: 2 << 20, sha256: written.sha256, expected: written.sha256, write: 'allowed' });
  });

  it('reports a refused write by its code', () => {
    if (process.getuid?.() === 0) return; // root writes through any mode bits
    chmodSync(join(dir, 'shakedown'), 0o555);
    try {
      expect((parseDataReport(run('read')) as ReadReport).write).toBe('EACCES');
    } finally {
      chmodSync(join(dir, 'shakedown'), 0o755);
    }
  });

  it('an error is a report, not a crash', () => {
    expect(parseDataReport(run('read', join(dir, 'missing')))).toMatchObject({ ok: false, code: 'ENOENT' });
  });

  it('parses the last JSON line, and says what the log held otherwise', () => {
    expect(parseDataReport('noise\n{"ok":true,"mode":"write"}\n')).toMatchObject({ ok: true });
    expect(parseDataReport('exec format error')).toMatchObject({ ok: false, error: expect.stringContaining('no report') });
    expect(throughput(32 << 20, 2000)).toBe('16.0 MiB/s');
  });
});
