import { describe, expect, it } from 'vitest';
import { laneView, lanePool, namespaceName } from './lanes.ts';
import { podIds } from './model.ts';
import { NETPOL_NS_LABEL, safetyProblems, toNetworkPolicy } from './policy.ts';
import type { TablePod } from './probe.ts';
import { CASES } from './netpol-cases.ts';
import { MODEL, laneNamespace, worldNamespaces, worldPlacement } from './world-model.ts';

// These tests build three lanes (--netpol-lanes 3); the default is one.
const LANES = 3;

const runId = 'sd-20261122-abcdef';
const namespaces = new Map(worldNamespaces(MODEL, LANES).map((world) => [world, namespaceName(runId, world)]));
const nodes = worldPlacement(MODEL, LANES, ['node1', 'node2']);
// The world's pods, by the world's names, each with an IP of its own.
const pods: TablePod[] = [...nodes].map(([id, node], i) => {
  const [ns = '', name = ''] = id.split('/');
  return { id, ip: `10.244.0.${i + 1}`, address: { name, namespace: namespaceName(runId, ns), ports: { api: 8080 }, token: 't', node } };
});
const source = { model: MODEL, runId, namespaces, pods };

describe('the lanes of the world', () => {
  it('has one x per lane, each its own namespace, and shares y and z', () => {
    expect(worldNamespaces(MODEL, LANES)).toEqual(['x1', 'x2', 'x3', 'y', 'z']);
    expect([...namespaces.values()]).toEqual(['x1', 'x2', 'x3', 'y', 'z'].map((ns) => `${runId}-np-${ns}`));
  });

  it("shows lane k the model with x = xk: the model's ids, and no other lane's x", () => {
    for (let lane = 0; lane < LANES; lane++) {
      const view = laneView(source, lane);
      expect(view.model).toBe(MODEL);
      expect(view.pods.map((pod) => pod.id)).toEqual(podIds(MODEL));
      expect(Object.fromEntries(view.namespaces)).toEqual({ x: `${runId}-np-x${lane + 1}`, y: `${runId}-np-y`, z: `${runId}-np-z` });
      // Every pod of the view lives in one of the view's namespaces: the table never asks another lane's x.
      const own = new Set(view.namespaces.values());
      expect(view.pods.every((pod) => own.has(pod.address.namespace))).toBe(true);
      expect(view.pods.filter((pod) => pod.id.startsWith('x/')).map((pod) => pod.address.namespace)).toEqual(Array(3).fill(`${runId}-np-x${lane + 1}`));
      // Its resolver: x's IPs are the lane's own pods'.
      expect(view.resolver.podIP('x/b')).toBe(pods.find((pod) => pod.id === `x${lane + 1}/b`)?.ip);
      expect(view.resolver.podIP('y/b')).toBe(pods.find((pod) => pod.id === 'y/b')?.ip);
    }
  });

  it('places every lane as the model is placed without lanes: its x pods and their peers spread over the nodes', () => {
    for (let lane = 0; lane < LANES; lane++) {
      const view = laneView(source, lane);
      expect(Object.fromEntries(view.pods.map((pod) => [pod.id, pod.address.node]))).toEqual({
        'x/a': 'node1',
        'x/b': 'node2',
        'x/c': 'node1',
        'y/a': 'node2',
        'y/b': 'node1',
        'y/c': 'node2',
        'z/a': 'node1',
        'z/b': 'node2',
        'z/c': 'node1',
      });
    }
  });

  it("turns every case's policies into policies of the lane's x, whose namespace selectors name the lane's labels", () => {
    for (let lane = 0; lane < LANES; lane++) {
      const view = laneView(source, lane);
      for (const spec of CASES) {
        for (const draft of spec.steps.flatMap((step) => step.create ?? [])) {
          const policy = toNetworkPolicy(draft, view.resolver);
          expect(policy.metadata?.namespace, spec.id).toBe(`${runId}-np-x${lane + 1}`);
          expect(safetyProblems(policy, [...view.namespaces.values()], runId), spec.id).toEqual([]);
          const peers = [...(policy.spec?.ingress ?? []).flatMap((r) => r._from ?? []), ...(policy.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
          for (const peer of peers) {
            for (const expression of peer.namespaceSelector?.matchExpressions ?? []) {
              expect(expression.key).toBe(NETPOL_NS_LABEL);
              expect(
                expression.values?.every((value) => value === laneNamespace(lane) || value === 'y' || value === 'z'),
                spec.id,
              ).toBe(true);
            }
          }
        }
      }
      // A selector of namespace x in a lane selects the lane's x only.
      const fromX = toNetworkPolicy({ name: 'p', namespace: 'x', types: ['Ingress'], ingress: [{ peers: [{ namespaces: ['x', 'y'] }] }] }, view.resolver);
      expect(fromX.spec?.ingress?.[0]?._from?.[0]?.namespaceSelector?.matchExpressions?.[0]?.values).toEqual([`x${lane + 1}`, 'y']);
    }
  });
});

describe('the lane pool', () => {
  it('hands out free lanes, then the ones given back, first asked first served', async () => {
    const pool = lanePool(['l1', 'l2']);
    const order: string[] = [];
    const holders = ['c1', 'c2', 'c3', 'c4', 'c5'].map((name) =>
      pool.take().then((lane) => {
        order.push(`${name}:${lane}`);
        return { name, lane };
      }),
    );
    const [h1, h2] = await Promise.all([holders[0], holders[1]]);
    expect(order).toEqual(['c1:l1', 'c2:l2']);
    pool.give(h2?.lane ?? '');
    pool.give(h1?.lane ?? '');
    await Promise.all([holders[2], holders[3]]);
    expect(order).toEqual(['c1:l1', 'c2:l2', 'c3:l2', 'c4:l1']);
    pool.give('l1');
    expect((await holders[4])?.lane).toBe('l1');
  });

  it('gives the lane back however the body ends', async () => {
    const pool = lanePool(['l1']);
    await expect(pool.use(() => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect(await pool.use((lane) => Promise.resolve(lane))).toBe('l1');
  });

  it('stops waiting when the signal aborts, and the lane goes to the next in line', async () => {
    const pool = lanePool(['l1']);
    const held = await pool.take();
    const controller = new AbortController();
    const stopped = pool.take(controller.signal);
    const next = pool.take();
    controller.abort(new Error('verdict decided'));
    await expect(stopped).rejects.toThrow('verdict decided');
    pool.give(held);
    expect(await next).toBe('l1');
    await expect(pool.take(controller.signal)).rejects.toThrow('verdict decided');
  });
});
