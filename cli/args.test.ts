import { describe, expect, it } from 'vitest';
import { defineManifest, option } from '../helpers/engine/manifest.ts';
import { duration } from '../helpers/config-values.ts';
import { thrown } from '../helpers/testing/shakedown-error.ts';
import { checkCleanupArguments, parseCommandArgs, parseFlags } from './args.ts';
import { findCommand } from './commands.ts';

const netpol = defineManifest({
  name: 'netpol',
  description: 'a suite with a duration option',
  checks: {},
  options: {
    bound: option({
      key: 'netpolBound',
      flag: 'netpol-bound',
      env: 'SHAKEDOWN_NETPOL_BOUND',
      type: duration(1000, 600_000),
      default: 30_000,
      describe: 'how long',
    }),
  },
  permissions: [],
  setup: [],
  exclusive: false,
  images: [],
});

const command = (name: string) => findCommand(name)!;
const message = (name: string, argv: string[]) => thrown(() => parseCommandArgs(command(name), argv, [netpol])).message;

describe('parseCommandArgs', () => {
  it('hands a negative number to the flag, so its own check says what is allowed', () => {
    expect(parseCommandArgs(command('run'), ['--netpol-bound', '-5s', '--api-qps', '-1'], [netpol]).flags).toMatchObject({
      'netpol-bound': '-5s',
      'api-qps': '-1',
    });
    expect(parseCommandArgs(command('run'), ['--api-qps', '-.5'], [netpol]).flags['api-qps']).toBe('-.5');
  });

  it('says what a flag without its value needs', () => {
    expect(message('run', ['--api-qps'])).toBe('--api-qps needs a value (an integer from 1 to 1000)');
    expect(message('run', ['--netpol-bound'])).toBe('--netpol-bound needs a value (a duration from 1s to 10m such as 30s)');
    expect(message('run', ['--api-qps', '--verbose'])).toBe(
      '--api-qps needs a value (an integer from 1 to 1000), not the flag --verbose; write --api-qps=VALUE for a value that starts with a dash',
    );
  });

  it('says a switch takes no value, rather than that it needs one', () => {
    expect(message('run', ['--keep-on-failure=false'])).toBe(
      '--keep-on-failure takes no value (--keep-on-failure turns it on, --no-keep-on-failure off), got "--keep-on-failure=false"',
    );
    expect(message('run', ['-v=1'])).toBe('-v takes no value (it is --verbose), got "-v=1"');
    expect(message('run', ['-vx'])).toBe('unknown flag -x in -vx for `shakedown run`');
  });

  it('refuses a single-valued flag given twice and a switch turned on and off', () => {
    expect(message('run', ['--concurrency', '4', '--concurrency=5'])).toBe('--concurrency is given twice ("4", then "5"); it takes one value');
    expect(message('run', ['--verbose', '--no-verbose'])).toBe('--verbose and --no-verbose contradict each other; give one');
    expect(parseCommandArgs(command('run'), ['-v', '--verbose', '--suite', 'dns', '--suite', 'smoke']).flags).toMatchObject({
      verbose: true,
      suite: ['dns', 'smoke'],
    });
  });

  it('names the command an unknown flag belongs to, or the flag meant', () => {
    expect(message('gate', ['--profile', 'quick'])).toBe('unknown flag --profile for `shakedown gate` (it is a flag of `shakedown run`)');
    expect(message('list', ['--netpol-bound', '5s'])).toBe(
      'unknown flag --netpol-bound for `shakedown list` (it is a flag of `shakedown run`, `shakedown gate`, `shakedown deploy`)',
    );
    expect(message('run', ['--verbos'])).toBe('unknown flag --verbos for `shakedown run`; did you mean --verbose?');
    expect(message('run', ['--no-concurrency'])).toBe(
      'unknown flag --no-concurrency for `shakedown run`: --concurrency takes a value (an integer from 1 to 64), it cannot be turned off',
    );
    expect(message('run', ['--bogus'])).toBe('unknown flag --bogus for `shakedown run`');
  });

  it('refuses a stray argument, also after --', () => {
    expect(message('run', ['extra'])).toBe('unexpected argument "extra" for `shakedown run` (it takes flags only)');
    expect(message('cleanup', ['--', '--all'])).toBe('unexpected argument "--all" for `shakedown cleanup` (it takes flags only)');
    const error = thrown(() => parseCommandArgs(command('run'), ['extra']));
    expect([error.code, error.hint, error.cause]).toEqual(['SD_BAD_FLAG', 'See `shakedown run --help`.', undefined]);
  });
});

describe('parseFlags', () => {
  it('takes arguments where the command does (diff), after -- as well', () => {
    const parsed = parseFlags('diff', ['a.json', '--junit', 'x.xml', '--', '-b.json'], { junit: { type: 'string' } }, { positionals: true });
    expect(parsed).toEqual({ values: { junit: 'x.xml' }, positionals: ['a.json', '-b.json'] });
  });
});

describe('checkCleanupArguments', () => {
  it('refuses a run id that is not one, naming where it came from, before anything connects', () => {
    const flag = thrown(() => checkCleanupArguments({ all: false, runId: '../../x' }, { runId: { kind: 'flag', flag: 'run' } }));
    expect([flag.code, flag.message]).toEqual([
      'SD_BAD_FLAG',
      '--run must be a run id such as sd-20250304-abcd01 (sd-, the UTC date, 6 lowercase hex digits), got "../../x"',
    ]);
    const env = thrown(() => checkCleanupArguments({ all: false, runId: 'x' }, { runId: { kind: 'env', variable: 'SHAKEDOWN_RUN' } }));
    expect([env.code, env.message.split(' must ')[0]]).toEqual(['SD_CONFIG_INVALID', 'SHAKEDOWN_RUN']);
  });

  it('refuses --all with --run: one run, or every run', () => {
    const error = thrown(() =>
      checkCleanupArguments(
        { all: true, runId: 'sd-20250304-abcd01' },
        { all: { kind: 'env', variable: 'SHAKEDOWN_CLEANUP_ALL' }, runId: { kind: 'flag', flag: 'run' } },
      ),
    );
    expect(error.message).toBe(
      'SHAKEDOWN_CLEANUP_ALL cannot be combined with --run: --run removes the namespaces of one run (expired or not), --all those of every run',
    );
    expect(() => checkCleanupArguments({ all: true, runId: undefined }, {})).not.toThrow();
    expect(() => checkCleanupArguments({ all: false, runId: 'sd-20250304-abcd01' }, {})).not.toThrow();
  });
});
