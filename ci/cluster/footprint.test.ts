import { describe, expect, it } from 'vitest';
import { leftovers } from './footprint.ts';

describe('footprint comparison', () => {
  it('lists what appeared after, per category, and ignores what went away', () => {
    const before = { links: ['eth0', 'lo'], netns: [] };
    const after = { links: ['eth0', 'lo', 'sdk-br0'], netns: ['sdk-node1'], mounts: ['/run/x'] };
    expect(leftovers(before, after)).toEqual(['links: sdk-br0', 'netns: sdk-node1', 'mounts: /run/x']);
    expect(leftovers(after, before)).toEqual([]);
  });
});
