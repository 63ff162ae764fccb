import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { judgePod, warningLines } from './readiness.ts';

function pod(status: V1Pod['status']): V1Pod {
  return { metadata: { name: 'probe-0' }, status };
}

describe('judgePod', () => {
  it('is ready when the Ready condition is true', () => {
    expect(judgePod(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }))).toEqual({ ready: true, fatal: false });
  });

  it('gives up at once on an image that cannot be pulled', () => {
    const verdict = judgePod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'agent',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
          },
        ],
      }),
    );
    expect(verdict).toEqual({ ready: false, fatal: true, reason: 'ImagePullBackOff: Back-off pulling image "x"' });
  });

  it('keeps waiting on an unscheduled pod, saying why', () => {
    const verdict = judgePod(
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }],
      }),
    );
    expect(verdict).toEqual({ ready: false, fatal: false, reason: 'not scheduled: Unschedulable 0/1 nodes are available: 1 Insufficient memory.' });
  });

  it('gives up on an agent that keeps crashing', () => {
    const verdict = judgePod(
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'agent',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 3,
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      }),
    );
    expect(verdict).toEqual({ ready: false, fatal: true, reason: 'the agent keeps crashing: exit code 1 (Error), 3 restarts' });
  });

  it('waits for a running pod whose readiness probe has not passed yet', () => {
    const verdict = judgePod(
      pod({ phase: 'Running', containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { running: {} } }] }),
    );
    expect(verdict).toEqual({ ready: false, fatal: false, reason: 'running, readiness probe on /healthz not passing yet' });
  });
});

describe('warningLines', () => {
  it('keeps the newest warnings, oldest first', () => {
    const lines = warningLines([
      { metadata: {}, involvedObject: {}, type: 'Warning', reason: 'Failed', message: 'second', lastTimestamp: new Date('2025-01-01T10:00:02Z') },
      { metadata: {}, involvedObject: {}, type: 'Normal', reason: 'Scheduled', message: 'ignored', lastTimestamp: new Date('2025-01-01T10:00:00Z') },
      { metadata: {}, involvedObject: {}, type: 'Warning', reason: 'Failed', message: 'first', lastTimestamp: new Date('2025-01-01T10:00:01Z') },
    ]);
    expect(lines).toEqual(['Failed: first', 'Failed: second']);
  });
});
