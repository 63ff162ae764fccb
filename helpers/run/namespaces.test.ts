import type { V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FIELD_MANAGER, runNamespace } from './labels.ts';
import { removeLeftovers, removeRun, type NamespaceApi } from './namespaces.ts';

// An in-memory API server for namespaces: deletion marks them Terminating for `lingerPolls` lists.
function fakeNamespaces(initial: V1Namespace[], lingerPolls = 1) {
  const store = new Map(initial.map((ns) => [ns.metadata?.name ?? '', { ns, polls: -1 }]));
  const deleted: string[] = [];
  const api: NamespaceApi = {
    async list(selector) {
      const wanted = selector.split(',').map((pair) => pair.split('='));
      const out: V1Namespace[] = [];
      for (const [name, entry] of store) {
        if (entry.polls >= 0 && entry.polls++ >= lingerPolls) {
          store.delete(name);
          continue;
        }
        const labels = entry.ns.metadata?.labels ?? {};
        if (wanted.every(([key, value]) => labels[key ?? ''] === value)) out.push(entry.ns);
      }
      return out;
    },
    async create(ns) {
      store.set(ns.metadata?.name ?? '', { ns, polls: -1 });
    },
    async delete(name) {
      deleted.push(name);
      const entry = store.get(name);
      if (entry !== undefined && entry.polls < 0) {
        entry.polls = 0;
        entry.ns = {
          ...entry.ns,
          status: { phase: 'Terminating', conditions: [{ type: 'NamespaceContentRemaining', status: 'True', message: 'pods remain' }] },
        };
      }
    },
  };
  return { api, store, deleted };
}

const hour = 3_600_000;
const now = new Date('2025-01-01T12:00:00Z');
// As the API server returns a namespace whose labels this field manager set.
const labelledBy = (manager: string, namespace: V1Namespace): V1Namespace => ({
  ...namespace,
  metadata: {
    ...namespace.metadata,
    managedFields: [
      {
        manager,
        operation: 'Update',
        fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(Object.keys(namespace.metadata?.labels ?? {}).map((key) => [`f:${key}`, {}])) } },
      },
    ],
  },
});
const ours = (name: string, runId: string, expiresInMs: number) =>
  labelledBy(FIELD_MANAGER, runNamespace({ name, runId, expiresAt: new Date(now.getTime() + expiresInMs), purpose: 'test' }));
const theirs: V1Namespace = { metadata: { name: 'payments', labels: { team: 'pay' } } };
// Someone labelled their own namespace as ours by hand (kubectl label): it must never be deleted.
const disguised = (name: string, runId: string, expiresInMs: number) =>
  labelledBy('kubectl-label', runNamespace({ name, runId, expiresAt: new Date(now.getTime() + expiresInMs), purpose: 'test' }));

const instant = { timeoutMs: 10_000, pollMs: 1, sleep: async () => {} };

describe('removeRun', () => {
  it('deletes every namespace of the run and nothing else, and waits until they are gone', async () => {
    const { api, store, deleted } = fakeNamespaces([ours('sd-a', 'run-a', hour), ours('sd-a-x', 'run-a', hour), ours('sd-b', 'run-b', hour), theirs]);
    const removal = await removeRun(api, 'run-a', instant);
    expect(deleted.sort()).toEqual(['sd-a', 'sd-a-x']);
    expect(removal).toEqual({ removed: ['sd-a', 'sd-a-x'], stuck: [] });
    expect([...store.keys()].sort()).toEqual(['payments', 'sd-b']);
  });

  it('names namespaces stuck in Terminating with what holds them', async () => {
    const { api } = fakeNamespaces([ours('sd-a', 'run-a', hour)], Number.POSITIVE_INFINITY);
    let t = 0;
    const removal = await removeRun(api, 'run-a', { timeoutMs: 5, pollMs: 1, now: () => t, sleep: async (ms) => void (t += ms) });
    expect(removal.removed).toEqual([]);
    expect(removal.stuck).toEqual([{ name: 'sd-a', detail: 'Terminating; NamespaceContentRemaining: pods remain' }]);
  });

  it('stops waiting as soon as it is told why waiting cannot help, and says why', async () => {
    const { api } = fakeNamespaces([ours('sd-a', 'run-a', hour)], Number.POSITIVE_INFINITY);
    let t = 0;
    const asked: number[] = [];
    const giveUp = async () => {
      asked.push(t);
      return t >= 6000 ? { component: 'kube-controller-manager', reason: 'the namespace controller is not running' } : undefined;
    };
    const removal = await removeRun(api, 'run-a', {
      timeoutMs: 60_000,
      pollMs: 500,
      giveUp,
      giveUpEveryMs: 3000,
      now: () => t,
      sleep: async (ms) => void (t += ms),
    });
    expect(removal).toMatchObject({
      removed: [],
      gaveUp: { component: 'kube-controller-manager', reason: 'the namespace controller is not running' },
      stuck: [{ name: 'sd-a' }],
    });
    expect(asked).toEqual([3000, 6000]);
  });

  it('under until "requested", deletes and asks once whether the namespace controller runs, without waiting for it', async () => {
    const { api, deleted, store } = fakeNamespaces([ours('sd-a', 'run-a', hour), ours('sd-a-x', 'run-a', hour)], Number.POSITIVE_INFINITY);
    let slept = 0;
    let asked = 0;
    const removal = await removeRun(api, 'run-a', {
      timeoutMs: 60_000,
      until: 'requested',
      giveUp: async () => void asked++,
      sleep: async (ms) => void (slept += ms),
    });
    expect(deleted.sort()).toEqual(['sd-a', 'sd-a-x']);
    expect(removal).toEqual({ removed: [], stuck: [], pending: ['sd-a', 'sd-a-x'] });
    expect([asked, slept]).toEqual([1, 0]);
    expect(store.get('sd-a')?.ns.status?.phase).toBe('Terminating');
  });

  it('under until "requested", says they stay when the namespace controller is down', async () => {
    const { api } = fakeNamespaces([ours('sd-a', 'run-a', hour)], Number.POSITIVE_INFINITY);
    const removal = await removeRun(api, 'run-a', {
      timeoutMs: 60_000,
      until: 'requested',
      giveUp: async () => ({ component: 'kube-controller-manager', reason: 'the namespace controller is not running' }),
    });
    expect(removal).toEqual({
      removed: [],
      stuck: [{ name: 'sd-a', detail: 'Terminating' }],
      gaveUp: { component: 'kube-controller-manager', reason: 'the namespace controller is not running' },
    });
  });
});

describe('removeLeftovers', () => {
  it('removes only expired namespaces of ours in expired mode', async () => {
    const { api, deleted } = fakeNamespaces([ours('sd-old', 'run-old', -hour), ours('sd-new', 'run-new', hour), theirs]);
    const result = await removeLeftovers(api, 'expired', now, instant);
    expect(deleted).toEqual(['sd-old']);
    expect(result.removed).toEqual(['sd-old']);
    expect(result.kept.map((k) => k.name)).toEqual(['sd-new']);
  });

  it('removes only the namespaces of one run when asked', async () => {
    const { api, deleted } = fakeNamespaces([ours('sd-old', 'run-old', -hour), ours('sd-new', 'run-new', hour), theirs]);
    await removeLeftovers(api, 'all', now, { ...instant, runId: 'run-new' });
    expect(deleted).toEqual(['sd-new']);
  });

  it('never removes a namespace that carries our labels but that shakedown did not create, and says why', async () => {
    const { api, deleted } = fakeNamespaces([ours('sd-old', 'run-old', -hour), disguised('prod-old', 'run-old', -hour)]);
    const all = await removeLeftovers(api, 'all', now, instant);
    expect(deleted).toEqual(['sd-old']);
    expect(all.kept).toEqual([
      { name: 'prod-old', reason: "carries shakedown's labels, but shakedown did not create it (its labels were set by kubectl-label): never deleted" },
    ]);
    expect((await removeRun(api, 'run-old', instant)).removed).toEqual([]);
    expect(deleted).toEqual(['sd-old']);
  });

  it('removes all of ours in all mode, never one without our label', async () => {
    const { api, deleted } = fakeNamespaces([ours('sd-old', 'run-old', -hour), ours('sd-new', 'run-new', hour), theirs]);
    await removeLeftovers(api, 'all', now, instant);
    expect(deleted.sort()).toEqual(['sd-new', 'sd-old']);
  });
});
