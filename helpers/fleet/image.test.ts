import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_IMAGE, chooseProbeImage } from './image.ts';

describe('chooseProbeImage', () => {
  it('uses the configured image, never pulling localhost/ images', () => {
    expect(chooseProbeImage('registry.corp/node:24', 'prod')).toEqual({ image: 'registry.corp/node:24', pullPolicy: 'IfNotPresent', why: 'configured' });
    expect(chooseProbeImage('localhost/shakedown/node:24.1.0', 'prod').pullPolicy).toBe('Never');
  });

  it('uses the preloaded image on the local cluster and the pinned stock image elsewhere', () => {
    expect(chooseProbeImage(undefined, 'shakedown-local', '24.21.0').image).toBe('localhost/shakedown/node:24.21.0');
    expect(chooseProbeImage(undefined, 'prod')).toEqual({ image: DEFAULT_PROBE_IMAGE, pullPolicy: 'IfNotPresent', why: 'default' });
    expect(DEFAULT_PROBE_IMAGE).toMatch(/^docker\.io\/library\/node:\d+\.\d+\.\d+-alpine$/);
  });
});
