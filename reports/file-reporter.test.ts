import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize } from '../helpers/result.ts';
import * as atomic from './atomic-write.ts';
import { createFileReporter, type ReportSnapshot } from './file-reporter.ts';
import { failed, passed, runInfo } from './testing/fixtures.ts';

// The real writer, wrapped so one test can slow a single write down.
vi.mock('./atomic-write.ts', async (importOriginal) => {
  const real = await importOriginal<typeof atomic>();
  return { writeFileAtomic: vi.fn(real.writeFileAtomic) };
});

// Renders the snapshot as JSON so the tests can read back exactly what the reporter saw.
function renderSnapshot(snapshot: ReportSnapshot): string {
  return JSON.stringify({ ...snapshot, setupErrors: snapshot.setupErrors.map((error) => error.code) });
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-file-reporter-'));
  path = join(dir, 'report.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const written = async () => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const fixedClock = () => new Date('2025-01-01T10:00:05.000Z');

describe('createFileReporter', () => {
  it('writes nothing while checks run, then the final state at onRunEnd', async () => {
    const reporter = createFileReporter({ path, now: fixedClock }, renderSnapshot);
    const run = runInfo();
    await reporter.onRunStart?.({ ...run, finishedAt: null });
    await reporter.onCheckEnd?.(passed('dns', 'a'));
    expect(await exists(path)).toBe(false);

    const results = [passed('dns', 'a'), failed('dns', 'b')];
    await reporter.onRunEnd?.(run, results, summarize(results));
    expect(await written()).toEqual({
      run,
      results,
      setupErrors: [],
      complete: true,
      writtenAt: '2025-01-01T10:00:05.000Z',
    });
  });

  it('writes at once on a setup error, with the run as far as it is known, although onRunEnd never comes', async () => {
    const reporter = createFileReporter({ path }, renderSnapshot);
    const run = runInfo({ finishedAt: null, cluster: { server: 'https://10.0.0.1:6443', version: null, nodes: null, context: 'prod' } });
    await reporter.onSetupError?.(new ShakedownError('SD_API_UNREACHABLE', 'cannot reach the API'), run);
    expect(await written()).toMatchObject({ run, results: [], setupErrors: ['SD_API_UNREACHABLE'], complete: false });
  });

  it('flush writes the partial results collected so far', async () => {
    const reporter = createFileReporter({ path }, renderSnapshot);
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    await reporter.onCheckEnd?.(passed('dns', 'a'));
    await reporter.onCheckEnd?.(failed('dns', 'b'));
    await reporter.flush();
    expect(await written()).toMatchObject({ results: [passed('dns', 'a'), failed('dns', 'b')], complete: false });
  });

  it('lands overlapping writes in call order, even when the earlier one is slower', async () => {
    const writeFileAtomic = vi.mocked(atomic.writeFileAtomic);
    const realWrite = writeFileAtomic.getMockImplementation();
    writeFileAtomic.mockImplementationOnce(async (file, data) => {
      await sleep(50);
      await realWrite?.(file, data);
    });
    const reporter = createFileReporter({ path }, renderSnapshot);
    const run = runInfo();
    const setupWrite = reporter.onSetupError?.(new ShakedownError('SD_SETUP_FAILED', 'fixture failed'), run);
    const endWrite = reporter.onRunEnd?.(run, [], summarize([]));
    await Promise.all([setupWrite, endWrite]);
    expect(await written()).toMatchObject({ complete: true });
  });

  it('refuses to flush before any hook told it about the run', async () => {
    const reporter = createFileReporter({ path }, renderSnapshot);
    await expect(reporter.flush()).rejects.toMatchObject({ code: 'SD_INTERNAL' });
    expect(await exists(path)).toBe(false);
  });

  it('writes a report to - (standard output) once and whole: not at a setup error, at the flush that follows it', async () => {
    const chunks: string[] = [];
    const stdout = { write: (text: string) => chunks.push(text) };
    const reporter = createFileReporter({ path: '-', stdout }, renderSnapshot);
    const run = runInfo({ finishedAt: null });
    await reporter.onRunStart?.(run);
    await reporter.onCheckEnd?.(passed('dns', 'a'));
    await reporter.onSetupError?.(new ShakedownError('SD_SETUP_FAILED', 'fixture failed'), run);
    expect(chunks).toEqual([]);
    await reporter.flush();
    await reporter.flush();
    expect(chunks).toHaveLength(1);
    expect(JSON.parse(chunks[0] ?? '')).toMatchObject({ results: [passed('dns', 'a')], setupErrors: ['SD_SETUP_FAILED'], complete: false });
    expect(await exists(join(process.cwd(), '-'))).toBe(false);
  });

  it('writes a report to - at onRunEnd, complete, and nothing more on a later flush', async () => {
    const chunks: string[] = [];
    const reporter = createFileReporter({ path: '-', stdout: { write: (text: string) => chunks.push(text) } }, renderSnapshot);
    const results = [passed('dns', 'a')];
    await reporter.onRunStart?.(runInfo({ finishedAt: null }));
    await reporter.onRunEnd?.(runInfo(), results, summarize(results));
    await reporter.flush();
    expect(chunks.map((chunk) => JSON.parse(chunk) as unknown)).toEqual([expect.objectContaining({ results, complete: true })]);
  });

  it('passes a write failure to the caller and writes again on the next call', async () => {
    const reporter = createFileReporter({ path }, renderSnapshot);
    await reporter.onRunStart?.(runInfo());
    await mkdir(path);
    await expect(reporter.flush()).rejects.toMatchObject({ code: 'SD_REPORT_WRITE_FAILED' });
    await rm(path, { recursive: true });
    await reporter.flush();
    expect(await written()).toMatchObject({ complete: false });
  });
});
