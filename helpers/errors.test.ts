import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ShakedownError, asShakedownError, formatError, type ErrorCode } from './errors.ts';

describe('ERROR_CODES', () => {
  it('has stable SD_ codes, each with a one-line description and hint', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^SD_[A-Z_]+$/);
      expect(spec.description).toMatch(/^[^\n]+$/);
      expect(spec.hint).toMatch(/^[^\n]+$/);
    }
  });

  it('marks errors that prevent a verdict apart from those that are findings', () => {
    const couldNotRun = (code: ErrorCode) => new ShakedownError(code, 'x').couldNotRun;
    expect(couldNotRun('SD_KUBECONFIG_INVALID')).toBe(true);
    expect(couldNotRun('SD_BAD_FLAG')).toBe(true);
    expect(couldNotRun('SD_INGRESS_ABSENT')).toBe(false);
    expect(couldNotRun('SD_REPORTER_FAILED')).toBe(false);
  });
});

describe('ShakedownError', () => {
  it('carries code, message, the default hint of its code and the original cause', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:6443');
    const error = new ShakedownError('SD_API_UNREACHABLE', 'cannot reach https://10.0.0.1:6443', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ShakedownError');
    expect(error.code).toBe('SD_API_UNREACHABLE');
    expect(error.message).toBe('cannot reach https://10.0.0.1:6443');
    expect(error.hint).toBe(ERROR_CODES.SD_API_UNREACHABLE.hint);
    expect(error.cause).toBe(cause);
    expect(error.details).toBeUndefined();
  });

  it('keeps the message to one line, moving the rest ahead of the details', () => {
    const error = new ShakedownError('SD_SETUP_FAILED', 'pod sd-probe not ready\nImagePullBackOff\n', { details: 'events: ...' });
    expect(error.message).toBe('pod sd-probe not ready');
    expect(error.details).toBe('ImagePullBackOff\nevents: ...');
  });

  it('falls back to the description of its code for an empty message, and takes a custom hint', () => {
    const error = new ShakedownError('SD_FORBIDDEN', '  ', { hint: 'grant create on namespaces' });
    expect(error.message).toBe(ERROR_CODES.SD_FORBIDDEN.description);
    expect(error.hint).toBe('grant create on namespaces');
  });
});

describe('asShakedownError', () => {
  it('returns a ShakedownError unchanged', () => {
    const error = new ShakedownError('SD_TIMEOUT', 'deadline of 10m reached');
    expect(asShakedownError(error, 'SD_SETUP_FAILED')).toBe(error);
  });

  it('wraps other errors and thrown values under the given code, keeping the cause', () => {
    const cause = new TypeError('undefined is not a function');
    const wrapped = asShakedownError(cause);
    expect(wrapped.code).toBe('SD_INTERNAL');
    expect(wrapped.message).toBe('undefined is not a function');
    expect(wrapped.cause).toBe(cause);
    expect(asShakedownError('boom', 'SD_SETUP_FAILED')).toMatchObject({ code: 'SD_SETUP_FAILED', message: 'boom', cause: 'boom' });
  });
});

describe('formatError', () => {
  const error = new ShakedownError('SD_CONFIG_INVALID', 'shakedown.yaml: timeouts.probe must be a duration', {
    details: 'got "ten"\nexample: 5s',
    cause: new Error('parse failed'),
  });

  it('prints the code, the one-line message and the hint', () => {
    expect(formatError(error, { verbose: false })).toBe(
      `error SD_CONFIG_INVALID: shakedown.yaml: timeouts.probe must be a duration\nhint: ${ERROR_CODES.SD_CONFIG_INVALID.hint}`,
    );
  });

  it('adds the details and the cause chain when verbose', () => {
    const lines = formatError(error, { verbose: true }).split('\n');
    expect(lines[0]).toBe('error SD_CONFIG_INVALID: shakedown.yaml: timeouts.probe must be a duration');
    expect(lines.slice(1, 3)).toEqual(['  got "ten"', '  example: 5s']);
    expect(lines[3]).toBe('caused by: Error: parse failed');
    expect(lines.at(-1)).toBe(`hint: ${ERROR_CODES.SD_CONFIG_INVALID.hint}`);
  });

  it('follows nested causes and stops on a cycle', () => {
    const inner = new ShakedownError('SD_API_UNREACHABLE', 'cannot reach the API');
    const outer = new ShakedownError('SD_SETUP_FAILED', 'namespace not created', { cause: inner });
    const cyclic = new Error('a');
    cyclic.cause = cyclic;
    expect(formatError(outer, { verbose: true })).toContain('caused by: SD_API_UNREACHABLE: cannot reach the API');
    expect(formatError(new ShakedownError('SD_INTERNAL', 'x', { cause: cyclic }), { verbose: true }).match(/caused by/g)).toHaveLength(1);
  });

  it('spells out control characters the cluster put in a message, its details and causes', () => {
    const error = new ShakedownError('SD_SETUP_FAILED', 'pod \u001b]8;;https://x.example\u0007web\u001b[0m failed\rOK', {
      details: 'event: \u001b[2Jcleared\nnext line',
      cause: new Error('\u0008\u0008gone'),
    });
    const lines = formatError(error, { verbose: true }).split('\n');
    expect(lines[0]).toBe('error SD_SETUP_FAILED: pod \\x1b]8;;https://x.example\\x07web\\x1b[0m failed\\rOK');
    expect(lines.slice(1, 3)).toEqual(['  event: \\x1b[2Jcleared', '  next line']);
    expect(lines[3]).toMatch(/^caused by: Error: \\x08\\x08gone$/);
    expect(formatError(new ShakedownError('SD_INTERNAL', 'y'.repeat(5000)), { verbose: false }).split('\n')[0]).toMatch(/y… \(3000 more characters\)$/);
  });

  it('reports anything else as an internal error', () => {
    expect(formatError(new RangeError('bad index'), { verbose: false }).split('\n')[0]).toBe('error SD_INTERNAL: bad index');
  });
});
