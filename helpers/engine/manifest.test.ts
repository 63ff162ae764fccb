import { describe, expect, it } from 'vitest';
import { declaredCheck, defineManifest, ManifestError, type CheckSpec } from './manifest.ts';

const base = { name: 'toy', description: 'A toy suite', options: {}, permissions: [], setup: [], exclusive: false, images: [] } as const;
const toy = (checks: Readonly<Record<string, CheckSpec>>) => defineManifest({ ...base, checks });

describe('defineManifest: each check declared once, under a key', () => {
  it('lists the checks in declaration order, each with its key, and gives the same objects by key', () => {
    const manifest = defineManifest({
      ...base,
      checks: {
        apiHealth: { title: 'the API answers', description: 'GET /readyz' },
        burst: { title: 'load › a burst', description: 'many lookups', timeoutMs: 120_000, sequential: true },
      },
    });
    expect(manifest.checks).toEqual([
      { id: 'apiHealth', title: 'the API answers', description: 'GET /readyz' },
      { id: 'burst', title: 'load › a burst', description: 'many lookups', timeoutMs: 120_000, sequential: true },
    ]);
    expect(manifest.check.burst).toBe(manifest.checks[1]);
    expect(Object.isFrozen(manifest.check.apiHealth)).toBe(true);
  });

  it('refuses a key that is not camelCase, a title declared twice, a two-line title and a bad timeout', () => {
    expect(() => toy({ 'api-health': { title: 'a', description: 'd' } })).toThrow(
      new ManifestError('manifest of suite "toy": check key "api-health" is not camelCase'),
    );
    expect(() => toy({ one: { title: 'same', description: 'd' }, two: { title: 'same', description: 'd' } })).toThrow('check "same" is declared twice');
    expect(() => toy({ one: { title: 'a\nb', description: 'd' } })).toThrow('check one needs a one-line title');
    expect(() => toy({ one: { title: 'a', description: 'd', timeoutMs: 0 } })).toThrow('check "a": timeoutMs must be a positive whole number of milliseconds');
  });

  it('gives the declaration under a key that is data, and names the suite and the key it does not hold', () => {
    const manifest = toy({ verdict: { title: 'truth tables › enforced', description: 'd' } });
    expect(declaredCheck(manifest, 'verdict')).toBe(manifest.check.verdict);
    expect(() => declaredCheck(manifest, 'latency')).toThrow(new ManifestError('manifest of suite "toy" declares no check "latency"'));
    expect(() => declaredCheck(manifest, 'toString')).toThrow('declares no check "toString"');
  });
});
