import { describe, expect, it } from 'vitest';
import { thrown } from '../helpers/testing/shakedown-error.ts';
import { checkCleanupArguments } from './cleanup.ts';

describe('checkCleanupArguments', () => {
  it('refuses a run id that is not one, naming where it came from, before anything connects', () => {
    const flag = thrown(() => checkCleanupArguments({ all: false, runId: '../../x' }, { runId: { kind: 'flag', flag: 'run' } }));
    expect([flag.code, flag.message]).toEqual(['SD_BAD_FLAG', '--run must be a run id such as sd-20250304-abcd01 (sd-, the UTC date, 6 lowercase hex digits), got "../../x"']);
    const env = thrown(() => checkCleanupArguments({ all: false, runId: 'x' }, { runId: { kind: 'env', variable: 'SHAKEDOWN_RUN' } }));
    expect([env.code, env.message.split(' must ')[0]]).toEqual(['SD_CONFIG_INVALID', 'SHAKEDOWN_RUN']);
  });

  it('refuses --all with --run: one run, or every run', () => {
    const error = thrown(() => checkCleanupArguments({ all: true, runId: 'sd-20250304-abcd01' }, { all: { kind: 'env', variable: 'SHAKEDOWN_CLEANUP_ALL' }, runId: { kind: 'flag', flag: 'run' } }));
    expect(error.message).toBe('SHAKEDOWN_CLEANUP_ALL cannot be combined with --run: --run removes the namespaces of one run (expired or not), --all those of every run');
    expect(() => checkCleanupArguments({ all: true, runId: undefined }, {})).not.toThrow();
    expect(() => checkCleanupArguments({ all: false, runId: 'sd-20250304-abcd01' }, {})).not.toThrow();
  });
});
