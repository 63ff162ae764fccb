import { describe, expect, it } from 'vitest';
import { judgeProxyHealth } from './judge.ts';

describe('judgeProxyHealth', () => {
  const h = (node: string, state: 'healthy' | 'unhealthy' | 'unreachable' | 'unasked') => ({
    node,
    state,
    detail: state === 'healthy' ? 'HTTP 200' : state === 'unhealthy' ? 'HTTP 503' : 'refused',
  });

  it('passes when every node answers healthy', () => {
    expect(judgeProxyHealth([h('a', 'healthy'), h('b', 'healthy')])).toEqual({ kind: 'healthy' });
  });

  it('cannot judge when no node answers (localhost-bound or replaced)', () => {
    expect(judgeProxyHealth([h('a', 'unreachable'), h('b', 'unreachable')])).toEqual({ kind: 'unreachable' });
  });

  it('names the nodes that do not answer when others do', () => {
    const v = judgeProxyHealth([h('a', 'healthy'), h('b', 'unreachable')]);
    expect(v).toMatchObject({ kind: 'failing', nodes: ['b'], text: 'b: unreachable (refused)' });
    expect(v.kind === 'failing' && v.likelyCause).toMatch(/not running there/);
  });

  it('names an unhealthy kube-proxy', () => {
    const v = judgeProxyHealth([h('a', 'unhealthy'), h('b', 'healthy')]);
    expect(v).toMatchObject({ kind: 'failing', nodes: ['a'] });
    expect(v.kind === 'failing' && v.likelyCause).toMatch(/unhealthy/);
  });
});
