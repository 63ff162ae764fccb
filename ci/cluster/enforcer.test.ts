import { describe, expect, it } from 'vitest';
import { enforcerNodes, parseEnforcerState } from './enforcer.ts';
import { nodeLayout } from './layout.ts';

describe('the NetworkPolicy enforcer switch', () => {
  const running = [nodeLayout(1), nodeLayout(2)];

  it('switches every running node, or the one named', () => {
    expect(enforcerNodes(running, undefined).map((n) => n.name)).toEqual(['node1', 'node2']);
    expect(enforcerNodes(running, 'node2').map((n) => n.name)).toEqual(['node2']);
  });

  it('refuses a node the cluster does not run, naming the ones it does', () => {
    expect(() => enforcerNodes(running, 'node3')).toThrow('no node node3 in the local cluster (nodes: node1, node2)');
  });

  it('takes on or off, and says how to call it otherwise', () => {
    expect(parseEnforcerState('off', 'usage: ...')).toBe('off');
    expect(() => parseEnforcerState('stop', 'usage: ...')).toThrow('enforcer takes on or off (got stop)\nusage: ...');
  });
});
