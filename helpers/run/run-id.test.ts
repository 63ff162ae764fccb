import { describe, expect, it } from 'vitest';
import { isRunId, newRunId, runIdValue } from './run-id.ts';

describe('newRunId', () => {
  it('is sd-, the UTC date and six hex digits, and a valid namespace name', () => {
    const id = newRunId(new Date('2025-03-04T23:59:59Z'), () => Buffer.from([0xab, 0xcd, 0x01]));
    expect(id).toBe('sd-20250304-abcd01');
    expect(isRunId(id)).toBe(true);
    expect(id).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('differs between runs', () => {
    expect(newRunId()).not.toBe(newRunId());
    expect(isRunId('sd-2025-xyz')).toBe(false);
  });
});

describe('runIdValue', () => {
  it('reads a run id and refuses anything else before it reaches a label selector', () => {
    expect(runIdValue.fromText(' sd-20250304-abcd01 ')).toBe('sd-20250304-abcd01');
    for (const raw of ['../../x', 'SD-20250304-ABCD01', 'sd-20250304-abcd0', 'sd-20250304-abcd01,x']) {
      expect(() => runIdValue.fromText(raw)).toThrow(
        `must be a run id such as sd-20250304-abcd01 (sd-, the UTC date, 6 lowercase hex digits), got ${JSON.stringify(raw)}`,
      );
    }
    expect(() => runIdValue.fromJson(7)).toThrow('must be a run id string such as "sd-20250304-abcd01", got number');
  });
});
