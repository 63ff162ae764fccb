import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/shakedown-error.ts';
import { lease, pod, signals } from './testing.ts';
import { createExplained, waitPodsReady, type PodWait } from './wait.ts';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t };
}

const ready = { ...pod('a', 20, { node: 'node1' }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };

function wait(list: PodWait['list'], overrides: Partial<PodWait> = {}): PodWait {
  return { list, expected: 1, namespace: 'sd-1', what: 'test pods', timeoutMs: 60_000, ...overrides };
}

describe('waitPodsReady', () => {
  it('returns the pods once all are there and ready', async () => {
    const c = clock();
    expect(await waitPodsReady(wait(async () => (c.elapsed() >= 1000 ? [ready] : []), c))).toEqual([ready]);
  });

  it('ends early naming the component the signals point at', async () => {
    const c = clock();
    const error = await rejection(
      waitPodsReady(wait(async () => [pod('a', 12)], { ...c, signals: { read: async () => signals({ scheduler: { kind: 'lease', lease: lease(30, 15) } }) } })),
    );
    expect(error.message).toMatch(/^kube-scheduler is at fault/);
    expect(c.elapsed()).toBeLessThan(10_000);
  });

  it('at the bound, says the best diagnosis found, else each pod and its reason', async () => {
    const weak = clock();
    const named = await rejection(waitPodsReady(wait(async () => [pod('a', 12)], { ...weak, timeoutMs: 12_000, signals: { read: async () => signals() } })));
    expect(named.message).toMatch(/^kube-scheduler is at fault \(low confidence\)/);
    const none = clock();
    const plain = await rejection(waitPodsReady(wait(async () => [pod('a', 12, { node: 'node1' })], { ...none, expected: 2, timeoutMs: 5000 })));
    expect(plain.message).toBe('test pod a on node node1 not ready after 5 s: phase Pending (and 1 more test pod, 1 not made yet)');
  });
});

describe('createExplained', () => {
  const refused = () => new Error('pods "a" is forbidden: error looking up service account sd-1/default: serviceaccount "default" not found');

  it('asks again while the controller-manager holds a fresh Lease, and goes on once the ServiceAccount is there', async () => {
    const c = clock();
    let asked = 0;
    const made = await createExplained(
      async () => {
        asked += 1;
        if (c.elapsed() < 4000) throw refused();
        return 'made';
      },
      { ...c, namespace: 'sd-1', signals: { read: async () => signals() } },
    );
    expect(made).toBe('made');
    expect(asked).toBe(9);
  });

  it('names the controller-manager at once when its Lease lapsed, and at the bound when it never makes the ServiceAccount', async () => {
    const lapsed = clock();
    const atOnce = await rejection(
      createExplained(() => Promise.reject(refused()), {
        ...lapsed,
        namespace: 'sd-1',
        signals: { read: async () => signals({ controllerManager: { kind: 'lease', lease: lease(40, 15, 'kube-controller-manager') } }) },
      }),
    );
    expect(atOnce.message).toMatch(
      /^kube-controller-manager is at fault \(high confidence\): kube-controller-manager has not created the default ServiceAccount of the new namespace sd-1/,
    );
    expect(lapsed.elapsed()).toBe(0);
    const fresh = clock();
    const bound = await rejection(
      createExplained(() => Promise.reject(refused()), { ...fresh, namespace: 'sd-1', boundMs: 10_000, signals: { read: async () => signals() } }),
    );
    expect(bound.message).toMatch(/^kube-controller-manager is at fault \(medium confidence\)/);
    expect(bound.details).toContain('pod creation asked 21 time(s) over 10.0 s');
    expect(fresh.elapsed()).toBe(10_000);
  });

  it('throws any other refusal as it came, at once', async () => {
    const c = clock();
    const quota = new Error('exceeded quota');
    await expect(createExplained(() => Promise.reject(quota), { ...c, namespace: 'sd-1', signals: { read: async () => signals() } })).rejects.toBe(quota);
    expect(c.elapsed()).toBe(0);
  });
});
