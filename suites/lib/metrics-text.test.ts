import { describe, expect, it } from 'vitest';
import { parseSamples } from './metrics-text.ts';

describe('metrics text', () => {
  it('parses labels with escaped quotes and skips other families', () => {
    expect(parseSamples('a{x="say \\"hi\\"",y="2"} 3\nb 4\n', ['a'])).toEqual([{ name: 'a', labels: { x: 'say \\"hi\\"', y: '2' }, value: 3 }]);
  });
});
