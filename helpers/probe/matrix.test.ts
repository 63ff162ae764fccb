import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { EXPECT } from './expectations.ts';
import { mismatchLines, renderDifference, renderExpected, renderObserved, type Cell } from './matrix.ts';

const ok: ProbeResult = { id: '', kind: 'tcp', outcome: 'ok', ms: 1, detail: '' };
const refused: ProbeResult = { id: '', kind: 'tcp', outcome: 'refused', ms: 1, detail: 'connect ECONNREFUSED', code: 'ECONNREFUSED' };

const cells: Cell[] = [
  { source: 'x/a', target: 'y/a', expected: EXPECT.allowed, observed: ok },
  { source: 'x/a', target: 'y/b', expected: EXPECT.refused, observed: ok },
  { source: 'x/b', target: 'y/a', expected: EXPECT.allowed, observed: refused },
  { source: 'x/b', target: 'y/b', expected: EXPECT.allowed, observed: undefined, error: 'proxy to x/b: HTTP 503' },
];

describe('matrix rendering', () => {
  it('prints expected and observed with . X ?, and their difference', () => {
    expect(renderExpected(cells)).toBe(['     y/a y/b', 'x/a  .   X', 'x/b  .   .'].join('\n'));
    expect(renderObserved(cells)).toBe(['     y/a y/b', 'x/a  .   .', 'x/b  X   ?'].join('\n'));
    expect(renderDifference(cells)).toBe(['     y/a y/b', 'x/a  .   X', 'x/b  X   X'].join('\n'));
  });

  it('says, for each mismatch, what was expected and what was seen', () => {
    expect(mismatchLines(cells)).toEqual([
      'x/a -> y/b: expected refused, saw ok in 1ms',
      'x/b -> y/a: expected allowed, saw refused (ECONNREFUSED) (connect ECONNREFUSED)',
      'x/b -> y/b: expected allowed, saw proxy to x/b: HTTP 503',
    ]);
  });
});
