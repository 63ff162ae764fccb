import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize } from '../helpers/result.ts';
import { consoleStream, createRunReporters } from './run-reporters.ts';
import { failed, passed, runInfo, warned } from './testing/fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-run-reporters-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink() {
  const chunks: string[] = [];
  return { stream: { write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

describe('createRunReporters', () => {
  it('composes the console, the asked-for files and the observers behind one multiplexer the engine calls', async () => {
    const stdout = sink();
    const stderr = sink();
    const seen: string[] = [];
    const reporter = createRunReporters({
      junit: join(dir, 'junit.xml'),
      json: join(dir, 'report.json'),
      verbose: false,
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
      observers: {
        stopwatch: { onCheckEnd: (result) => void seen.push(result.check) },
        broken: {
          onCheckEnd: () => {
            throw new Error('cannot count');
          },
        },
      },
    });
    const results = [passed('dns', 'a'), warned('certs', 'b'), failed('dns', 'c')];
    await reporter.onRunStart(runInfo());
    for (const result of results) await reporter.onCheckEnd(result);
    await reporter.onRunEnd(runInfo(), results, summarize(results));

    expect(seen).toEqual(['a', 'b', 'c']);
    expect(stdout.text().trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 skipped, 1 warned');
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toMatchObject({ summary: { passed: 1, warned: 1, failed: 1, skipped: 0 } });
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('<testsuites name="shakedown" tests="3" failures="1"');
    // A broken observer is reported once on stderr, and nothing else stops.
    expect(stderr.text().match(/SD_REPORTER_FAILED/g)).toHaveLength(1);
    expect(reporter.failures).toMatchObject([{ reporter: 'broken', hook: 'onCheckEnd', occurrences: 3 }]);
  });

  it('writes the file reports on flush after a setup error, as the engine does on its crash path', async () => {
    const stderr = sink();
    const reporter = createRunReporters({
      junit: join(dir, 'junit.xml'),
      json: undefined,
      verbose: false,
      stdout: sink().stream,
      stderr: stderr.stream,
      env: {},
    });
    await reporter.onSetupError(new ShakedownError('SD_API_UNREACHABLE', 'cannot reach the API server'), runInfo({ finishedAt: null }));
    await reporter.flush();
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('type="SD_API_UNREACHABLE"');
    expect(stderr.text()).toBe('');
  });

  it('gives stdout to a report written to -: the console goes to stderr, stdout carries exactly the one document', async () => {
    const stdout = sink();
    const stderr = sink();
    const reporter = createRunReporters({ junit: join(dir, 'junit.xml'), json: '-', verbose: false, stdout: stdout.stream, stderr: stderr.stream, env: {} });
    const results = [passed('dns', 'a'), failed('dns', 'c')];
    await reporter.onRunStart(runInfo());
    for (const result of results) await reporter.onCheckEnd(result);
    await reporter.onRunEnd(runInfo(), results, summarize(results));
    await reporter.flush();
    expect(JSON.parse(stdout.text())).toMatchObject({ complete: true, summary: { passed: 1, failed: 1 } });
    expect(stderr.text().trimEnd().split('\n').at(-1)).toMatch(/^1 passed, 1 failed, 0 skipped/);
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('tests="2"');
  });

  it('after a setup error, a report to - is one document on stdout, written at flush, and the error is on stderr', async () => {
    const stdout = sink();
    const stderr = sink();
    const reporter = createRunReporters({ junit: '-', json: undefined, verbose: false, stdout: stdout.stream, stderr: stderr.stream, env: {} });
    await reporter.onSetupError(new ShakedownError('SD_API_UNREACHABLE', 'cannot reach the API server'), runInfo({ finishedAt: null }));
    expect(stdout.text()).toBe('');
    await reporter.flush();
    expect(stdout.text().match(/<\?xml /g)).toHaveLength(1);
    expect(stdout.text()).toContain('type="SD_API_UNREACHABLE"');
    expect(stderr.text()).toContain('SD_API_UNREACHABLE');
  });

  it('says where the console goes', () => {
    const streams = { stdout: sink().stream, stderr: sink().stream };
    expect(consoleStream({ ...streams, junit: 'j.xml', json: undefined, html: undefined })).toBe(streams.stdout);
    expect(consoleStream({ ...streams, junit: 'j.xml', json: undefined, html: '-' })).toBe(streams.stderr);
  });
});
