import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/shakedown-error.ts';
import { waitForPods, waitLine, type PodEvidenceApi, type PodWait } from './pod-wait.ts';
import { pod, signals } from './testing.ts';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t };
}

function withContainer(
  base: V1Pod,
  state: NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number]['state'],
  restartCount = 0,
  lastState?: NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number]['lastState'],
): V1Pod {
  return {
    ...base,
    status: {
      ...base.status,
      containerStatuses: [
        {
          name: 'main',
          image: 'r:1',
          imageID: '',
          ready: false,
          restartCount,
          ...(state === undefined ? {} : { state }),
          ...(lastState === undefined ? {} : { lastState }),
        },
      ],
    },
  };
}

// The runner's wait: one pod a Job makes, waited until its container runs.
function jobPod(list: PodWait['list'], overrides: Partial<PodWait> = {}): PodWait {
  return {
    list,
    expected: 1,
    namespace: 'sd-1',
    what: 'runner pod',
    until: 'started',
    container: 'main',
    name: () => 'the runner container',
    owner: { kind: 'Job', name: 'runner' },
    image: { image: 'r:1', pullPolicy: 'Never' },
    timeoutMs: 60_000,
    ...overrides,
  };
}

function evidence(logs: Record<string, string> = {}) {
  const asked: string[] = [];
  const api: PodEvidenceApi = {
    podEvents: async (_namespace, name) => {
      asked.push(`events ${name}`);
      return [{ metadata: {}, involvedObject: { kind: 'Pod', name }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' }];
    },
    podLogTail: async (_namespace, name, _lines, previous) => {
      asked.push(`log ${name}${previous === true ? ' previous' : ''}`);
      return logs[name] ?? '';
    },
  };
  return { api, asked };
}

describe('waitForPods', () => {
  it('waits for a Job pod until its container starts, not until it is Ready', async () => {
    const c = clock();
    const running = withContainer(pod('runner-x', 5, { node: 'node1' }), { running: {} });
    const said: string[] = [];
    const waited = await waitForPods(
      jobPod(async () => (c.elapsed() >= 2000 ? [running] : c.elapsed() >= 1000 ? [pod('runner-x', 1, { node: 'node1' })] : []), {
        ...c,
        onWait: (line) => void said.push(line),
      }),
    );
    expect(waited.pods).toEqual([running]);
    expect(said).toEqual(['waiting for 1 runner pod: 0 started (none yet: not made yet)', 'waiting for 1 runner pod: 0 started (runner-x: phase Pending)']);
  });

  it('says at once that a container cannot start, naming the image', async () => {
    const c = clock();
    const never = withContainer(pod('runner-x', 5, { node: 'node1' }), {
      waiting: { reason: 'ErrImageNeverPull', message: 'Container image "r:1" is not present with pull policy of Never' },
    });
    const error = await rejection(waitForPods(jobPod(async () => [never], c)));
    expect(error.code).toBe('SD_SETUP_FAILED');
    expect(error.message).toBe(
      'the runner container cannot start: ErrImageNeverPull: Container image "r:1" is not present with pull policy of Never (image r:1)',
    );
    expect(error.details).toContain('image r:1 (pull policy Never)');
    expect(c.elapsed()).toBe(0);
  });

  it("names admission refusing the Job's pod (Pod Security) from its events, long before the bound", async () => {
    const c = clock();
    const refused = signals({
      events: [
        {
          metadata: {},
          involvedObject: { kind: 'Job', name: 'runner' },
          type: 'Warning',
          reason: 'FailedCreate',
          message: 'Error creating: pods "runner-x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true',
        },
      ],
    });
    const error = await rejection(waitForPods(jobPod(async () => [], { ...c, signals: { read: async () => refused } })));
    expect(error.message).toBe(
      'admission is at fault (high confidence): admission refuses the pods of Job sd-1/runner: FailedCreate: Error creating: pods "runner-x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true',
    );
    expect(error.details).toContain('to see it: kubectl -n sd-1 describe job runner');
    expect(c.elapsed()).toBeLessThan(10_000);
  });

  it('at the bound, a quota the Job is refused by is the diagnosis; with nothing said, the timeout code the caller chose', async () => {
    const quota = clock();
    const refused = signals({
      events: [
        {
          metadata: {},
          involvedObject: { kind: 'Job', name: 'runner' },
          type: 'Warning',
          reason: 'FailedCreate',
          message: 'Error creating: pods "runner-x" is forbidden: exceeded quota: pods',
        },
      ],
    });
    const named = await rejection(waitForPods(jobPod(async () => [], { ...quota, timeoutMs: 20_000, signals: { read: async () => refused } })));
    expect(named.message).toMatch(/^admission is at fault \(high confidence\): .*exceeded quota: pods$/);
    expect(named.hint).toMatch(/ResourceQuota of namespace sd-1/);
    expect(quota.elapsed()).toBe(20_000);
    const silent = clock();
    const plain = await rejection(
      waitForPods(jobPod(async () => [pod('runner-x', 1, { node: 'node1' })], { ...silent, timeoutMs: 5000, timeoutCode: 'SD_TIMEOUT' })),
    );
    expect(plain.code).toBe('SD_TIMEOUT');
    expect(plain.message).toBe('the runner container did not start within 5 s: phase Pending');
  });

  it("ends on a crash loop with the crashed container's last log lines", async () => {
    const c = clock();
    const crashing = withContainer(pod('web', 30, { node: 'node2' }), { waiting: { reason: 'CrashLoopBackOff' } }, 3, {
      terminated: { exitCode: 3, reason: 'Error' },
    });
    const { api, asked } = evidence({ web: 'starting\nfatal: cannot open /config/agent.json\n' });
    const error = await rejection(
      waitForPods({
        list: async () => [crashing],
        expected: [{ name: 'web', node: 'node2' }],
        namespace: 'sd-1',
        what: 'web pods',
        evidence: api,
        timeoutMs: 60_000,
        ...c,
      }),
    );
    expect(error.message).toBe(
      'web pod web on node node2 cannot become ready: the agent keeps crashing: exit code 3 (Error), 3 restarts; last event BackOff: Back-off restarting failed container',
    );
    expect(error.details).toBe(
      [
        'pod sd-1/web on node node2: the agent keeps crashing: exit code 3 (Error), 3 restarts',
        '  event BackOff: Back-off restarting failed container',
        '  log starting',
        '  log fatal: cannot open /config/agent.json',
      ].join('\n'),
    );
    expect(asked).toEqual(['events web', 'log web previous']);
  });

  it('reads the events and logs of at most five pods for the error', async () => {
    const c = clock();
    const pending = Array.from({ length: 8 }, (_, i) => pod(`p${i}`, 1, { node: 'node1' }));
    const { api, asked } = evidence();
    const error = await rejection(
      waitForPods({ list: async () => pending, expected: 8, namespace: 'sd-1', what: 'probe pods', evidence: api, timeoutMs: 2000, ...c }),
    );
    expect(error.message).toBe(
      'probe pod p0 on node node1 not ready after 2 s: phase Pending; last event BackOff: Back-off restarting failed container (and 7 more probe pods)',
    );
    expect(asked.filter((line) => line.startsWith('events'))).toHaveLength(5);
    expect(error.details?.split('\n').filter((line) => line.startsWith('pod '))).toHaveLength(8);
  });

  it("stops on the run's signal, with its reason", async () => {
    const stop = new AbortController();
    const reason = new Error('interrupted');
    let looks = 0;
    const waiting = waitForPods({
      list: async () => {
        looks += 1;
        if (looks === 2) stop.abort(reason);
        return [pod('a', 1)];
      },
      expected: 1,
      namespace: 'sd-1',
      what: 'test pods',
      timeoutMs: 60_000,
      pollMs: 1,
      signal: stop.signal,
    });
    await expect(waiting).rejects.toBe(reason);
    expect(looks).toBe(2);
  });
});

describe('waitLine', () => {
  it('counts the pods and names the first that is not ready', () => {
    expect(
      waitLine({ what: 'probe pods' }, 3, [{ name: 'probe-1', namespace: 'sd-1', verdict: { ready: false, fatal: false, reason: 'ContainerCreating' } }]),
    ).toBe('waiting for 3 probe pods: 2 ready (probe-1: ContainerCreating)');
  });
});
