import { describe, expect, it } from 'vitest';
import { topologyOf } from '../kube/topology.ts';
import { MATRIX_CAP, MATRIX_TARGET, coverageText, everyNodeAgents, matrixAgents, planBoundedFleet, planNodes, sampleNodes, type PlanNode } from './plan.ts';
import type { ProbeAgent } from './descriptor.ts';

const node = (name: string, zone: string, pool: string, controlPlane = false): PlanNode => ({ name, zone, pool, controlPlane });

// 500 nodes in 10 zones and 4 pools, one pool only in two zones, plus 3 control-plane nodes.
export function bigCluster(): PlanNode[] {
  const nodes: PlanNode[] = [];
  for (let i = 0; i < 497; i++) {
    const zone = `zone-${i % 10}`;
    const pool = i % 50 === 7 ? 'gpu' : (['general', 'general', 'highmem', 'spot'][i % 4] ?? 'general');
    nodes.push(node(`node-${String(i).padStart(3, '0')}`, zone, pool));
  }
  for (let i = 0; i < 3; i++) nodes.push(node(`cp-${i}`, `zone-${i}`, 'control', true));
  return nodes;
}

describe('topologyOf', () => {
  it('reads the zone, the provider pool label before the instance type, and the control-plane role', () => {
    expect(
      topologyOf({ 'topology.kubernetes.io/zone': 'eu-1a', 'node.kubernetes.io/instance-type': 'm5.large', 'eks.amazonaws.com/nodegroup': 'ng-1' }),
    ).toEqual({ zone: 'eu-1a', pool: 'ng-1', controlPlane: false });
    expect(topologyOf({ 'cloud.google.com/gke-nodepool': 'pool-a' }).pool).toBe('pool-a');
    expect(topologyOf({ 'kubernetes.azure.com/agentpool': 'sys' }).pool).toBe('sys');
    expect(topologyOf({ 'node.kubernetes.io/instance-type': 'n2-standard-4' }).pool).toBe('n2-standard-4');
    expect(topologyOf({ 'node-role.kubernetes.io/control-plane': '' })).toEqual({ zone: 'no-zone', pool: 'default', controlPlane: true });
  });
});

describe('sampleNodes', () => {
  it('covers every zone and every pool, workers before control-plane nodes, within the cap', () => {
    const nodes = bigCluster();
    const sample = sampleNodes(nodes, MATRIX_TARGET, MATRIX_CAP);
    expect(new Set(sample.map((n) => n.zone))).toEqual(new Set(nodes.map((n) => n.zone)));
    expect(new Set(sample.map((n) => n.pool))).toEqual(new Set(nodes.map((n) => n.pool)));
    expect(sample.length).toBeLessThanOrEqual(MATRIX_CAP);
    expect(sample.length).toBeGreaterThanOrEqual(MATRIX_TARGET);
    // The control pool exists only on control-plane nodes: exactly one is taken, to cover it.
    expect(sample.filter((n) => n.controlPlane)).toHaveLength(1);
  });

  it('takes every node of a small cluster, and is the same from run to run', () => {
    const nodes = [node('b', 'z1', 'p'), node('a', 'z1', 'p')];
    expect(sampleNodes(nodes, MATRIX_TARGET, MATRIX_CAP).map((n) => n.name)).toEqual(['a', 'b']);
    expect(sampleNodes(bigCluster(), 8, 24)).toEqual(sampleNodes(bigCluster().reverse(), 8, 24));
  });
});

describe('planBoundedFleet', () => {
  it('gives every schedulable node one agent, the sample among them, extras only on tiny clusters', () => {
    const plan = planBoundedFleet({ nodes: ['n1', 'n2'], minAgents: 3 });
    expect(plan.agents).toEqual([
      { name: 'probe-0', node: 'n1', group: 'node' },
      { name: 'probe-1', node: 'n2', group: 'node' },
      { name: 'probe-x0', node: 'n1', group: 'extra' },
    ]);
    expect(plan.coverage.matrix).toEqual(['probe-0', 'probe-1']);
    expect(plan.coverage.notCovered).toEqual([]);
  });

  it('at 500 nodes: 500 agents, a matrix of at most the cap covering every zone and pool', () => {
    const plan = planBoundedFleet({ nodes: bigCluster(), minAgents: 3 });
    expect(plan.agents).toHaveLength(500);
    expect(plan.coverage.matrix.length).toBeLessThanOrEqual(MATRIX_CAP);
    expect(plan.coverage.zones).toHaveLength(10);
    expect(plan.coverage.pools).toEqual(['control', 'general', 'gpu', 'highmem', 'spot']);
    expect(plan.coverage.uncovered).toEqual({ zones: [], pools: [] });
  });

  it('beyond the node cap, lists the nodes without an agent and keeps the sample', () => {
    const plan = planBoundedFleet({ nodes: bigCluster(), minAgents: 3, nodeCap: 100 });
    expect(plan.agents).toHaveLength(100);
    expect(plan.coverage.notCovered).toHaveLength(400);
    expect(plan.coverage.notCovered[0]?.reason).toBe("beyond the fleet's bound of 100 probe pods");
    const withAgent = new Set(plan.agents.map((a) => a.name));
    for (const name of plan.coverage.matrix) expect(withAgent.has(name)).toBe(true);
    // The 100 are spread over every zone, not the first 100 names.
    const zones = new Set(plan.agents.map((a) => bigCluster().find((n) => n.name === a.node)?.zone));
    expect(zones.size).toBe(10);
  });

  it('names the zones and pools a too-small cap leaves out of the matrix', () => {
    const plan = planBoundedFleet({ nodes: bigCluster(), minAgents: 3, matrixCap: 4 });
    expect(plan.coverage.matrix).toHaveLength(4);
    expect(plan.coverage.uncovered.zones.length).toBeGreaterThan(0);
  });
});

describe('matrixAgents and everyNodeAgents', () => {
  const agent = (name: string, group: 'node' | 'extra'): ProbeAgent => ({
    name,
    namespace: 'ns',
    node: name,
    podIP: '',
    group,
    ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
    labels: {},
    token: 't',
  });
  const agents = [agent('probe-0', 'node'), agent('probe-1', 'node'), agent('probe-2', 'node'), agent('probe-x0', 'extra')];

  it('answers the sample for matrix checks and every node agent for per-node checks', () => {
    const fleet = {
      agents,
      coverage: {
        matrix: ['probe-0', 'probe-2'],
        zones: [],
        pools: [],
        uncovered: { zones: [], pools: [] },
        notCovered: [],
        bounds: { matrixCap: 24, nodeCap: 1000 },
      },
    };
    expect(matrixAgents(fleet).map((a) => a.name)).toEqual(['probe-0', 'probe-2']);
    expect(everyNodeAgents(fleet).map((a) => a.name)).toEqual(['probe-0', 'probe-1', 'probe-2']);
  });

  it('sums the coverage up in one line', () => {
    const plan = planBoundedFleet({ nodes: bigCluster(), minAgents: 3, nodeCap: 100, matrixCap: 4 });
    const fleet = { agents: plan.agents.map((p) => agent(p.name, p.group)), coverage: plan.coverage };
    expect(coverageText(fleet)).toMatch(
      /^100 node agent\(s\); matrix sample 4 \(cap 4\) over 10 zone\(s\) and 5 pool\(s\); not in the matrix: zone .*; 400 node\(s\) without an agent \(cap 100\)$/,
    );
  });

  it('treats a descriptor without coverage as all node agents in the matrix', () => {
    expect(matrixAgents({ agents }).map((a) => a.name)).toEqual(['probe-0', 'probe-1', 'probe-2']);
  });

  it('reads node facts without topology as one zone and one pool', () => {
    expect(planNodes([{ name: 'n', schedulable: true }])).toEqual([{ name: 'n', zone: 'no-zone', pool: 'default', controlPlane: false }]);
  });
});
