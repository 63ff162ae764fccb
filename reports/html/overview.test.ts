import { describe, expect, it } from 'vitest';
import { sampleResults } from '../testing/sample-run.ts';
import { overviewTable, spanOf, suiteAnchor, suiteTime } from './overview.ts';

describe('the overview', () => {
  it("times a suite from its first check's start to its last check's end", () => {
    const dns = sampleResults.filter((result) => result.suite === 'dns');
    expect(suiteTime(dns)).toEqual({ ms: 11_400, summed: false });
    expect(spanOf(sampleResults[4]!)).toBeUndefined();
  });

  it('sums the durations of a suite whose checks have no start time, and says so', () => {
    const old = sampleResults.filter((result) => result.suite === 'netpol').map(({ startedAt: _, ...result }) => result);
    expect(suiteTime(old)).toEqual({ ms: 31_201, summed: true });
    const table = overviewTable([...sampleResults.filter((result) => result.suite !== 'netpol'), ...old], 67_500);
    expect(table).toContain('<td class="time">31.2 s*</td>');
    expect(table).toContain('*: the sum of its checks’ durations');
    expect(overviewTable(sampleResults, 67_500)).not.toContain('*');
  });

  it('links each suite to its section, by an anchor safe in any name', () => {
    expect(overviewTable(sampleResults, 1)).toContain(
      '<th scope="row"><a href="#suite-dns">dns</a></th><td class="pass">1</td><td class="warn">1</td><td class="fail">1</td><td class="skip">1</td>',
    );
    expect(suiteAnchor('a b"<c')).toBe('suite-a-b-c');
  });
});
