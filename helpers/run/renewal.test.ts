import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openKubeSession, type KubeSession } from '../kube/session.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { createFakeCluster, type FakeCluster } from '../kube/testing/fake-cluster.ts';
import { EXPIRES_AT_ANNOTATION, runNamespace } from './labels.ts';
import { expiryApi, startRenewal, type Renewal } from './renewal.ts';

const HOUR = 3_600_000;
const START = new Date('2026-01-01T12:00:00Z');

describe('startRenewal against the fake API server', () => {
  let server: FakeApiServer;
  let cluster: FakeCluster;
  let session: KubeSession;
  let renewal: Renewal | undefined;
  const logs: string[] = [];
  const gone: string[] = [];

  beforeEach(async () => {
    // Fake only the interval timer and the clock: the HTTP client keeps its real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: START });
    cluster = createFakeCluster();
    server = await startFakeApiServer({ handler: cluster.handler });
    session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    const ns = (name: string, runId: string) => runNamespace({ name, runId, expiresAt: new Date(START.getTime() + HOUR), purpose: 'test' });
    cluster.put('namespaces', ns('run-a', 'run-a') as never);
    cluster.put('namespaces', ns('run-b', 'run-b') as never);
    cluster.put('namespaces', { metadata: { name: 'payments', labels: { team: 'pay' } } });
    logs.length = 0;
    gone.length = 0;
  });

  afterEach(async () => {
    await renewal?.stop();
    renewal = undefined;
    vi.useRealTimers();
    await session.close();
    await server.close();
  });

  const expiryOf = (name: string) => cluster.get('namespaces', name)?.metadata?.annotations?.[EXPIRES_AT_ANNOTATION];
  const start = () =>
    startRenewal(expiryApi(session.clients.core, session.connection), {
      runId: 'run-a',
      ttlMs: HOUR,
      log: (line) => logs.push(line),
      onGone: (name, detail) => gone.push(`${name}: ${detail}`),
    });
  // Lets the timer fire, then waits for the renewal it started (real network I/O).
  const advance = async (ms: number, r: Renewal) => {
    await vi.advanceTimersByTimeAsync(ms);
    return r.renewNow();
  };

  it("pushes the expiry of every namespace of the run to now + TTL every quarter TTL, and nobody else's", async () => {
    renewal = start();
    cluster.put(
      'namespaces',
      runNamespace({ name: 'run-a-np-x', runId: 'run-a', expiresAt: new Date(START.getTime() + HOUR), purpose: 'created later by a suite' }) as never,
    );
    const tick = await advance(HOUR / 4, renewal);
    expect(tick.renewed.sort()).toEqual(['run-a', 'run-a-np-x']);
    const expected = new Date(START.getTime() + HOUR / 4 + HOUR).toISOString();
    expect(expiryOf('run-a')).toBe(expected);
    expect(expiryOf('run-a-np-x')).toBe(expected);
    expect(expiryOf('run-b')).toBe(new Date(START.getTime() + HOUR).toISOString());
    // Two hours later (eight renewals), the run is still an hour from expiring.
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    await renewal.renewNow();
    expect(Date.parse(expiryOf('run-a') ?? '')).toBeGreaterThanOrEqual(START.getTime() + 3 * HOUR);
    expect(gone).toEqual([]);
    expect(logs).toEqual([]);
    // Through the session's connection: one list and one merge patch per namespace per renewal.
    expect(cluster.calls.get('PATCH namespaces')).toBeGreaterThanOrEqual(2);
    const patch = server.requests.find((r) => r.method === 'PATCH');
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
  });

  it('says loudly, once, that a namespace of the run was deleted by someone else', async () => {
    renewal = start();
    await renewal.renewNow();
    cluster.remove('namespaces', 'run-a');
    await advance(HOUR / 4, renewal);
    await advance(HOUR / 4, renewal);
    expect(gone).toEqual(['run-a: namespace run-a was deleted, not by this run']);
  });

  it('says so when a namespace of the run is being deleted', async () => {
    renewal = start();
    const ns = cluster.get('namespaces', 'run-a');
    cluster.put('namespaces', { ...ns, metadata: { ...ns?.metadata, deletionTimestamp: '2026-01-01T12:10:00Z' } });
    await renewal.renewNow();
    expect(gone).toEqual(['run-a: namespace run-a is being deleted (since 2026-01-01T12:10:00.000Z), not by this run']);
  });

  it('logs a failed renewal and keeps going, never throwing', async () => {
    const failing = createFakeCluster();
    failing.put('namespaces', cluster.get('namespaces', 'run-a') ?? {});
    let refuse = true;
    const flaky = await startFakeApiServer({
      handler: (request) =>
        refuse && request.method === 'PATCH' ? { status: 500, body: { kind: 'Status', code: 500, message: 'etcd timeout' } } : failing.handler(request),
    });
    const flakySession = await openKubeSession({ paths: [flaky.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    try {
      const flakyRenewal = startRenewal(expiryApi(flakySession.clients.core, flakySession.connection), {
        runId: 'run-a',
        ttlMs: HOUR,
        log: (line) => logs.push(line),
        onGone: (name) => gone.push(name),
      });
      renewal = flakyRenewal;
      const first = await flakyRenewal.renewNow();
      expect(first.failed).toEqual([{ name: 'run-a', error: 'HTTP 500' }]);
      expect(logs).toEqual(['renewing the expiry of namespace run-a: HTTP 500; retrying in 900 s']);
      refuse = false;
      const second = await advance(HOUR / 4, flakyRenewal);
      expect(second.renewed).toEqual(['run-a']);
      expect(gone).toEqual([]);
    } finally {
      await renewal?.stop();
      await flakySession.close();
      await flaky.close();
    }
  });

  it('does nothing after stop, even when the namespaces are then deleted by the run itself', async () => {
    renewal = start();
    await renewal.renewNow();
    await renewal.stop();
    cluster.remove('namespaces', 'run-a');
    const before = cluster.totalCalls();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(cluster.totalCalls()).toBe(before);
    expect(gone).toEqual([]);
  });
});
