import { describe, expect, it } from 'vitest';
import { fail, headline, outcomeOf, warn } from './findings.ts';

const read = { label: 'what the API shows', text: 'flannel 0.26' };

describe('outcomeOf', () => {
  it('passes with its note and what was read when nothing was found', () => {
    expect(outcomeOf([], { pass: '2 nodes agree', evidence: [read] })).toEqual({ status: 'pass', message: '2 nodes agree', evidence: [read] });
  });

  it('fails on any failure, headed by the first failure even when a warning came first, every finding listed', () => {
    const outcome = outcomeOf(
      [warn('node1: MTU 1400 below 1450'), fail('node2: podCIDR 10.245.0.0/24 outside 10.244.0.0/16', { classification: 'mismatch' })],
      { pass: 'ok', evidence: [read] },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.classification).toBe('mismatch');
    expect(outcome.message).toBe('node2: podCIDR 10.245.0.0/24 outside 10.244.0.0/16 (and 1 more finding(s))');
    expect(outcome.evidence).toEqual([
      read,
      { label: 'findings', text: 'FAIL node2: podCIDR 10.245.0.0/24 outside 10.244.0.0/16\nWARN node1: MTU 1400 below 1450' },
    ]);
  });

  it('warns on warnings only, and takes the conclusion’s classification and cause when the findings carry none', () => {
    expect(outcomeOf([warn('expires in 20 days')], { pass: 'ok', likelyCause: 'renewal is not automated' })).toEqual({
      status: 'warn',
      message: 'expires in 20 days',
      evidence: [{ label: 'findings', text: 'WARN expires in 20 days' }],
      likelyCause: 'renewal is not automated',
    });
    expect(outcomeOf([fail('gone')], { pass: 'ok', classification: 'missing' }).classification).toBe('missing');
    expect(outcomeOf([fail('gone')], { pass: 'ok' }).classification).toBe('mismatch');
  });

  it('says each finding’s own cause once, and appends each finding’s evidence after the list', () => {
    const chain = { label: 'chain as seen', text: 'CN=a' };
    const outcome = outcomeOf([fail('a expired', { likelyCause: 'not renewed', evidence: [chain] }), fail('b expired', { likelyCause: 'not renewed' })], {
      pass: 'ok',
      likelyCause: 'unused',
    });
    expect(outcome.likelyCause).toBe('not renewed');
    expect(outcome.evidence.at(-1)).toEqual(chain);
  });

  it('names the node as the origin when every failing finding is about it, and not for one finding or several nodes', () => {
    expect(outcomeOf([fail('x', { node: 'node2' }), fail('y', { node: 'node2' }), warn('z', { node: 'node1' })], { pass: 'ok' }).origin).toEqual({
      dimension: 'node',
      value: 'node2',
      summary: 'every finding is about node node2',
      confidence: 'medium',
    });
    expect(outcomeOf([fail('x', { node: 'node2' })], { pass: 'ok' }).origin).toBeUndefined();
    expect(outcomeOf([fail('x', { node: 'node2' }), fail('y', { node: 'node1' })], { pass: 'ok' }).origin).toBeUndefined();
  });
});

describe('headline', () => {
  it('is empty without findings', () => {
    expect(headline([])).toBe('');
  });
});
