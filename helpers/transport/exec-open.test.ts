import { describe, expect, it } from 'vitest';
import { createThrottle } from '../kube/throttle.ts';
import { createExecGate, describeOpenFailure, upgradeStatus } from './exec-open.ts';
import { TransportError } from './transport.ts';

const agent = { name: 'probe-1', namespace: 'sd-1', ports: { api: 8080 }, token: 't'.repeat(43), node: 'node2' };
// What the ws client hands client-node when the upgrade is answered with an HTTP status: an
// ErrorEvent, not an Error (typed as one only so the test can reject with it).
const refusedUpgrade = (status: number): Error =>
  ({ type: 'error', message: `Unexpected server response: ${status}`, error: new Error(`Unexpected server response: ${status}`) }) as unknown as Error;

// A clock where sleeping advances time, and a record of every upgrade attempted.
function harness(options: { qps?: number; openTimeoutMs?: number } = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const clock = {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
  const upgrades: number[] = [];
  const throttle = createThrottle({ qps: options.qps ?? 5, burst: 1, ...clock });
  const gate = createExecGate({ throttle, openTimeoutMs: options.openTimeoutMs ?? 10_000, ...clock });
  const attempt = (result: () => Promise<string>) => () => {
    upgrades.push(t);
    return result();
  };
  return { gate, sleeps, upgrades, attempt, clock };
}

describe('createExecGate', () => {
  it("takes a turn of the run's rate limit for every open", async () => {
    const { gate, upgrades, attempt } = harness({ qps: 2 });
    for (let i = 0; i < 4; i++)
      await gate.open(
        agent,
        attempt(async () => 'socket'),
        () => {},
      );
    expect(upgrades).toEqual([0, 500, 1000, 1500]);
  });

  it('fails a 403 at once, naming the permission, and does not upgrade again for the same pod', async () => {
    const { gate, upgrades, attempt } = harness();
    const first = await gate
      .open(
        agent,
        attempt(() => Promise.reject(refusedUpgrade(403))),
        () => {},
      )
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransportError);
    expect((first as Error).message).toBe('exec to sd-1/probe-1: the API server refused the exec: 403 Forbidden (needs create on pods/exec in sd-1)');
    for (let i = 0; i < 50; i++) {
      expect(
        await gate
          .open(
            agent,
            attempt(async () => 'socket'),
            () => {},
          )
          .catch((e: unknown) => e),
      ).toBe(first);
    }
    expect(upgrades).toHaveLength(1);
    // Another pod is another question.
    expect(
      await gate.open(
        { ...agent, name: 'probe-2' },
        attempt(async () => 'socket'),
        () => {},
      ),
    ).toBe('socket');
  });

  it('spaces out retries after a fast failure (kubelet down), doubling up to 30 s, instead of spinning', async () => {
    const { gate, upgrades, sleeps, attempt, clock } = harness({ qps: 1000 });
    const start = clock.now();
    for (let i = 0; i < 8; i++) {
      const error = await gate
        .open(
          agent,
          attempt(() => Promise.reject(refusedUpgrade(500))),
          () => {},
        )
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        'exec to sd-1/probe-1: the exec failed: HTTP 500 from the API server (the kubelet on node node2 may be down or unreachable)',
      );
    }
    expect(sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(upgrades).toHaveLength(8);
    expect(clock.now() - start).toBeGreaterThanOrEqual(91_000);
    // One success resets the backoff.
    await gate.open(
      agent,
      attempt(async () => 'socket'),
      () => {},
    );
    const before = sleeps.length;
    await gate.open(
      agent,
      attempt(async () => 'socket'),
      () => {},
    );
    expect(sleeps.slice(before).every((ms) => ms < 1000)).toBe(true);
  });

  it("gives every open a deadline, names the kubelet's node, and closes a socket that opens too late", async () => {
    const gate = createExecGate({ throttle: createThrottle({ qps: 100 }), openTimeoutMs: 50 });
    let lateOpen: (socket: string) => void = () => {};
    const discarded: string[] = [];
    const started = performance.now();
    const error = await gate
      .open(
        agent,
        () => new Promise<string>((resolve) => (lateOpen = resolve)),
        (late) => discarded.push(late),
      )
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe('exec to sd-1/probe-1: the kubelet on node node2 did not answer the exec upgrade within 0 s');
    lateOpen('late-socket');
    await Promise.resolve();
    expect(discarded).toEqual(['late-socket']);
  });

  it('stops waiting when the caller aborts', async () => {
    const gate = createExecGate({ throttle: createThrottle({ qps: 100 }), openTimeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = gate
      .open(
        agent,
        () => new Promise<string>(() => {}),
        () => {},
        controller.signal,
      )
      .catch((e: unknown) => e);
    controller.abort(new Error('check timed out'));
    expect(((await pending) as Error).message).toBe('exec to sd-1/probe-1: opening the exec: aborted');
  });
});

describe('describeOpenFailure', () => {
  it.each([
    [401, "the API server refused the exec: 401 Unauthorized (the kubeconfig's credentials were not accepted)", true],
    [404, 'the exec failed: 404 Not Found (the pod is gone)', false],
    [400, 'the exec failed: 400 Bad Request (the pod or its container is not running)', false],
    [502, 'the exec failed: HTTP 502 from the API server (the kubelet on node node2 may be down or unreachable)', false],
  ])('reads HTTP %i from the refused upgrade', (status, message, permanent) => {
    expect(upgradeStatus(refusedUpgrade(status))).toBe(status);
    expect(describeOpenFailure(agent, refusedUpgrade(status))).toEqual({ message, permanent });
  });

  it('keeps the words of any other failure', () => {
    expect(describeOpenFailure(agent, new Error('connect ECONNREFUSED 10.217.0.11:6443'))).toEqual({
      message: 'the exec failed: connect ECONNREFUSED 10.217.0.11:6443',
      permanent: false,
    });
  });
});
