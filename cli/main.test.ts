import { describe, expect, it } from 'vitest';
import { main, type CliIo } from './main.ts';

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    argv,
    env,
    cwd: '/nonexistent',
    home: undefined,
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  };
  return { code: await main(io), stdout, stderr };
}

describe('main', () => {
  it('without a command: the usage on stderr, nothing on stdout, exit 2', async () => {
    const ran = await cli([]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^usage: shakedown COMMAND \[flags\]\n/);
  });

  it("help, --help and -h: the usage on stdout, exit 0; with a command, that command's", async () => {
    for (const argv of [['help'], ['--help'], ['-h']])
      expect(await cli(argv)).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^usage: shakedown COMMAND/) });
    expect(await cli(['help', 'cleanup'])).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^usage: shakedown cleanup \[flags\]/) });
    expect(await cli(['--help', 'diff'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: shakedown diff BEFORE\.json AFTER\.json/) });
    expect((await cli(['help', 'launch'])).stderr).toMatch(/^error SD_BAD_FLAG: unknown command "launch"; commands: /);
    expect((await cli(['help', 'run', 'gate'])).stderr).toMatch(/^error SD_BAD_FLAG: shakedown help takes at most one command, got 2 arguments\n/);
  });

  it('a flag where the command belongs, and a command in capitals, are named as such', async () => {
    expect((await cli(['--verbose', 'run'])).stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: "--verbose" is not a command: flags go after the command (shakedown COMMAND [flags]); commands: run, gate, diff, history, deploy, list, cleanup, images',
    );
    expect((await cli(['RUN'])).stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: unknown command "RUN"; commands: run, gate, diff, history, deploy, list, cleanup, images; did you mean run?',
    );
  });

  it("points a bad flag value at the command's own help", async () => {
    expect((await cli(['list', '--suite', 'NOPE'])).stderr).toBe(
      'error SD_BAD_FLAG: --suite "NOPE" is not a name (lowercase letters, digits and dashes)\nhint: See `shakedown list --help`.\n',
    );
  });

  it('refuses a report flag on deploy without --wait, where it would do nothing; from the environment it may be meant for run', async () => {
    expect((await cli(['deploy', '--image', 'mirror.example/shakedown:1', '--json', 'r.json'])).stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: --json is written only with --wait (deploy brings the reports back when it follows the Job); add --wait, or leave it out',
    );
    expect(await cli(['deploy', '--image', 'mirror.example/shakedown:1'], { SHAKEDOWN_JSON: 'r.json' })).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses --report-log with --baseline, of which only one could win', async () => {
    const ran = await cli(['run', '--report-log'], { SHAKEDOWN_BASELINE: 'before.json' });
    expect(ran.code).toBe(2);
    expect(ran.stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: --report-log cannot be combined with SHAKEDOWN_BASELINE: a run whose reports are packed into its log (deploy --wait) compares nothing',
    );
  });
});
