import { describe, expect, it } from 'vitest';
import { imageTag } from './image-tag.ts';

describe('imageTag', () => {
  it('reads the tag of an image reference, with or without a digest, and nothing without a tag', () => {
    expect(imageTag('registry.local:5000/kube-apiserver:v1.34.4')).toBe('v1.34.4');
    expect(imageTag('registry.local:5000/kube-apiserver:v1.34.4@sha256:abc')).toBe('v1.34.4');
    expect(imageTag('registry.local:5000/kube-apiserver')).toBeUndefined();
  });
});
