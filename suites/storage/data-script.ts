// The program the data pods run (node -e, in the probe image: no shell, no other image needed).
// write: DATA_MB MiB of random bytes to DIR/shakedown/payload.bin in 1 MiB chunks, fsync'd, its
// sha256 written beside it (fsync'd, and the directory too), the time from open to the last fsync.
// read: the payload read back and hashed against the stored checksum, the read time; then a write
// attempt, which must succeed on a writable mount (fsGroup) and fail with EROFS on a read-only one.
// Both print one JSON line (the pod log is how the suite reads it) and exit non-zero on an error.

export const DATA_DIR = '/data';

export const DATA_SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const dir = path.join(process.env.DIR || '/data', 'shakedown');
const file = path.join(dir, 'payload.bin');
const sumFile = path.join(dir, 'payload.sha256');
const ids = { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups() };
const out = (o) => process.stdout.write(JSON.stringify({ ...o, ...ids }) + '\n');
function syncDir(d) { const fd = fs.openSync(d, 'r'); try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); } }
try {
  if (process.env.MODE === 'write') {
    const mb = Number(process.env.DATA_MB || '8');
    fs.mkdirSync(dir, { recursive: true });
    const hash = crypto.createHash('sha256');
    const started = process.hrtime.bigint();
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < mb; i++) { const chunk = crypto.randomBytes(1 << 20); hash.update(chunk); fs.writeSync(fd, chunk); }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const sha256 = hash.digest('hex');
    const sfd = fs.openSync(sumFile, 'w');
    fs.writeSync(sfd, sha256 + '\n');
    fs.fsyncSync(sfd);
    fs.closeSync(sfd);
    syncDir(dir);
    const writeMs = Number(process.hrtime.bigint() - started) / 1e6;
    out({ ok: true, mode: 'write', bytes: mb << 20, sha256, writeMs });
  } else if (process.env.MODE === 'read') {
    const expected = fs.readFileSync(sumFile, 'utf8').trim();
    const hash = crypto.createHash('sha256');
    const started = process.hrtime.bigint();
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(1 << 20);
    let bytes = 0;
    for (;;) { const n = fs.readSync(fd, buffer, 0, buffer.length, null); if (n === 0) break; hash.update(buffer.subarray(0, n)); bytes += n; }
    fs.closeSync(fd);
    const readMs = Number(process.hrtime.bigint() - started) / 1e6;
    let write = 'allowed';
    try { const probe = path.join(dir, 'write-probe'); fs.writeFileSync(probe, 'x'); fs.unlinkSync(probe); } catch (e) { write = e.code || String(e.message); }
    out({ ok: true, mode: 'read', bytes, sha256: hash.digest('hex'), expected, readMs, write });
  } else {
    out({ ok: false, error: 'MODE must be write or read, got ' + process.env.MODE });
    process.exitCode = 2;
  }
} catch (e) {
  out({ ok: false, mode: process.env.MODE, error: String(e && e.message), code: e && e.code });
  process.exitCode = 1;
}
`;

export interface WriteReport {
  ok: true;
  mode: 'write';
  bytes: number;
  sha256: string;
  writeMs: number;
  uid: number;
  gid: number;
  groups: number[];
}

export interface ReadReport {
  ok: true;
  mode: 'read';
  bytes: number;
  sha256: string;
  expected: string;
  readMs: number;
  // 'allowed', or the error code of the refused write (EROFS on a read-only mount).
  write: string;
  uid: number;
  gid: number;
  groups: number[];
}

export interface ErrorReport {
  ok: false;
  mode?: string;
  error: string;
  code?: string;
  uid?: number;
}

export type DataReport = WriteReport | ReadReport | ErrorReport;

// The last JSON line of a pod's log, or an error report saying what the log held instead.
export function parseDataReport(log: string): DataReport {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  const last = lines.at(-1);
  if (last === undefined) return { ok: false, error: `no report in the pod log: ${JSON.stringify(log.slice(-300))}` };
  try {
    return JSON.parse(last) as DataReport;
  } catch {
    return { ok: false, error: `unreadable report in the pod log: ${last.slice(0, 300)}` };
  }
}

// MiB/s, as evidence only: never judged against a number.
export function throughput(bytes: number, ms: number): string {
  if (ms <= 0) return 'n/a';
  return `${(bytes / 2 ** 20 / (ms / 1000)).toFixed(1)} MiB/s`;
}
