import { describe, expect, it } from 'vitest';
import { TransportError } from '../transport/transport.ts';
import { CheckFailure, CheckWarning, budgetOf, originNodes, outcomeOf } from './check.ts';

const seen = { evidence: [{ label: 'matrix', text: 'x/a X' }], log: ['12:00:00.000 probing'] };
const origin = { dimension: 'replica', value: 'coredns-1', summary: 'only queries to coredns-1 time out', confidence: 'high' as const };

describe('outcomeOf: how a check body ends, decided once in its worker', () => {
  it('keeps what fail() said, after the evidence the check recorded', () => {
    const outcome = outcomeOf(
      seen,
      new CheckFailure('timeout', 'coredns-1 does not answer', {
        likelyCause: 'the replica is stuck',
        reproduce: 'dig @10.244.1.3',
        origin,
        evidence: [{ label: 'replicas', text: '2 of 3' }],
      }),
    );
    expect(outcome).toEqual({
      status: 'fail',
      classification: 'timeout',
      message: 'coredns-1 does not answer',
      evidence: [...seen.evidence, { label: 'replicas', text: '2 of 3' }],
      likelyCause: 'the replica is stuck',
      reproduce: 'dig @10.244.1.3',
      origin,
      log: seen.log,
    });
  });

  it('makes warn() a warning, with its details and no classification', () => {
    const outcome = outcomeOf(
      { evidence: [], log: [] },
      new CheckWarning('the serving certificate expires in 40 days', { likelyCause: 'rotation is manual', origin }),
    );
    expect(outcome).toEqual({ status: 'warn', message: 'the serving certificate expires in 40 days', evidence: [], likelyCause: 'rotation is manual', origin });
  });

  it('classifies anything else thrown: an assertion is a mismatch, an unreachable agent names the agent', () => {
    const assertion = Object.assign(new Error('expected 2 to be 3\nmore'), { name: 'AssertionError' });
    expect(outcomeOf(seen, assertion)).toMatchObject({ status: 'fail', classification: 'mismatch', message: 'expected 2 to be 3', log: seen.log });
    const transport = new TransportError('proxy', { name: 'probe-0', namespace: 'sd-1', ports: { api: 8080 } } as never, 'HTTP 503');
    expect(outcomeOf(seen, transport)).toMatchObject({
      classification: 'error',
      likelyCause: 'the probe agent sd-1/probe-0 could not be asked (proxy); the check could not observe anything',
    });
    expect(outcomeOf(seen, 'a string')).toMatchObject({ classification: 'error', message: 'a string' });
  });
});

describe('budgetOf: the check ends itself before vitest would, keeping time for evidence', () => {
  it('splits a timeout into the body and the evidence reserve', () => {
    expect(budgetOf(120_000)).toEqual({ bodyMs: 111_000, evidenceMs: 8500 });
    expect(budgetOf(300)).toEqual({ bodyMs: 225, evidenceMs: 0 });
    expect(budgetOf(0)).toEqual({ bodyMs: undefined, evidenceMs: 8000 });
  });
});

describe("originNodes: the engine describes the nodes a failure's origin names", () => {
  it('tracks each node of a source-node or target-node origin, nothing for other dimensions', () => {
    expect(originNodes({ ...origin, dimension: 'source-node', value: 'node2' })).toEqual([{ kind: 'Node', name: 'node2' }]);
    expect(originNodes({ ...origin, dimension: 'target-node', value: 'node1, node3' })).toEqual([
      { kind: 'Node', name: 'node1' },
      { kind: 'Node', name: 'node3' },
    ]);
    expect(originNodes(origin)).toEqual([]);
    expect(originNodes({ ...origin, dimension: 'source-node & port', value: 'node2 & 53' })).toEqual([]);
    expect(originNodes(undefined)).toEqual([]);
  });
});
