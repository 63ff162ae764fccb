import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTERNAL_NAME, LOCAL_EXTERNAL_NAME, externalName, lookupPairs } from './dns.ts';

describe('externalName', () => {
  it('takes the configured name, "none" for no upstream, else a default that suits the cluster', () => {
    expect(externalName('example.org', 'prod')).toBe('example.org');
    expect(externalName('none', 'prod')).toBeUndefined();
    expect(externalName('NONE', 'shakedown-local')).toBeUndefined();
    expect(externalName(undefined, 'prod')).toBe(DEFAULT_EXTERNAL_NAME);
    expect(externalName(undefined, 'shakedown-local')).toBe(LOCAL_EXTERNAL_NAME);
  });
});

describe('lookupPairs', () => {
  it('sends A and AAAA for each lookup, as glibc does, cycling through the names', () => {
    expect(lookupPairs(['a', 'b'], 3)).toEqual([
      { name: 'a', type: 'A' },
      { name: 'a', type: 'AAAA' },
      { name: 'b', type: 'A' },
      { name: 'b', type: 'AAAA' },
      { name: 'a', type: 'A' },
      { name: 'a', type: 'AAAA' },
    ]);
  });
});
