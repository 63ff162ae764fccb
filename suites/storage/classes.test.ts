import type { V1StorageClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { BETA_DEFAULT_CLASS_ANNOTATION, DEFAULT_CLASS_ANNOTATION, bindingMode, classLine, resolveDefault } from './classes.ts';

function sc(name: string, created: string, annotations: Record<string, string> = {}, extra: Partial<V1StorageClass> = {}): V1StorageClass {
  return { metadata: { name, creationTimestamp: new Date(created), annotations }, provisioner: 'rancher.io/local-path', ...extra };
}

describe('resolveDefault', () => {
  it('no class marked default: none', () => {
    const r = resolveDefault([sc('a', '2026-01-01T00:00:00Z'), sc('b', '2026-01-02T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'false' })]);
    expect(r.verdict).toBe('none');
    expect(r.winner).toBeUndefined();
  });

  it('one default, including by the beta annotation; only the exact value "true" counts', () => {
    expect(resolveDefault([sc('a', '2026-01-01T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'true' })]).winner?.metadata?.name).toBe('a');
    expect(resolveDefault([sc('b', '2026-01-01T00:00:00Z', { [BETA_DEFAULT_CLASS_ANNOTATION]: 'true' })]).verdict).toBe('one');
    expect(resolveDefault([sc('c', '2026-01-01T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'True' })]).verdict).toBe('none');
  });

  it('several defaults: the newest wins, ties broken by name', () => {
    const r = resolveDefault([
      sc('old', '2026-01-01T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'true' }),
      sc('zeta', '2026-02-01T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'true' }),
      sc('alpha', '2026-02-01T00:00:00Z', { [DEFAULT_CLASS_ANNOTATION]: 'true' }),
    ]);
    expect(r.verdict).toBe('many');
    expect(r.defaults.map((d) => d.metadata?.name)).toEqual(['alpha', 'zeta', 'old']);
    expect(classLine(r.defaults[2] as V1StorageClass, r.winner)).toContain('(marked default, not chosen)');
    expect(classLine(r.defaults[0] as V1StorageClass, r.winner)).toContain('alpha (default)');
  });

  it('binding mode defaults to Immediate', () => {
    expect(bindingMode(sc('a', '2026-01-01T00:00:00Z'))).toBe('Immediate');
    expect(bindingMode(sc('a', '2026-01-01T00:00:00Z', {}, { volumeBindingMode: 'WaitForFirstConsumer' }))).toBe('WaitForFirstConsumer');
  });
});
