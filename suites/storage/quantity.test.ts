import { describe, expect, it } from 'vitest';
import { formatBytes, parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it('reads binary, decimal and exponent forms', () => {
    expect(parseQuantity('10Mi')).toBe(10 * 2 ** 20);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('100')).toBe(100);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('ten')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });

  it('formats bytes with binary suffixes', () => {
    expect(formatBytes(64 * 2 ** 20)).toBe('64Mi');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5Gi');
    expect(formatBytes(100)).toBe('100');
  });
});
