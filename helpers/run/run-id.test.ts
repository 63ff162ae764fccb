import { describe, expect, it } from 'vitest';
import { isRunId, newRunId } from './run-id.ts';

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
