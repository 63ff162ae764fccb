import { describe, expect, it } from 'vitest';
import { sourceAddressToward } from './source-address.ts';

describe('sourceAddressToward', () => {
  it('names the local address the kernel would send from, without sending', async () => {
    expect(await sourceAddressToward('127.0.0.1')).toBe('127.0.0.1');
  });
});
