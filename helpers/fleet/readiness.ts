// Why a probe pod is not ready, read from its status and events: the one line an operator needs.
// Some states will not fix themselves (an image that cannot be pulled, a crashing agent, a bad
// config); those are fatal and end the wait at once instead of at the timeout.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

export interface PodVerdict {
  ready: boolean;
  // True when waiting longer cannot help.
  fatal: boolean;
  // Why the pod is not ready (absent when it is).
  reason?: string;
}

const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);
const CRASH_RESTARTS = 2;

export function judgePod(pod: V1Pod): PodVerdict {
  const status = pod.status;
  const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  if (ready) return { ready: true, fatal: false };
  if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
    return {
      ready: false,
      fatal: true,
      reason: `the pod ended (phase ${status.phase}${status.reason ? `, ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''})`,
    };
  }
  const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return { ready: false, fatal: false, reason: `not scheduled: ${scheduled.reason ?? ''} ${scheduled.message ?? ''}`.trim() };
  const container = status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  if (waiting?.reason !== undefined && FATAL_WAITING.has(waiting.reason)) {
    return { ready: false, fatal: true, reason: `${waiting.reason}: ${waiting.message ?? 'no message'}` };
  }
  const lastExit = container?.lastState?.terminated ?? container?.state?.terminated;
  if (lastExit !== undefined && (container?.restartCount ?? 0) >= CRASH_RESTARTS) {
    return {
      ready: false,
      fatal: true,
      reason: `the agent keeps crashing: exit code ${lastExit.exitCode}${lastExit.reason ? ` (${lastExit.reason})` : ''}, ${container?.restartCount} restarts`,
    };
  }
  if (waiting?.reason !== undefined) return { ready: false, fatal: false, reason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  if (container?.state?.running !== undefined) return { ready: false, fatal: false, reason: 'running, readiness probe on /healthz not passing yet' };
  return { ready: false, fatal: false, reason: `phase ${status?.phase ?? 'unknown'}` };
}

// The most recent warning events, newest last, as lines.
export function warningLines(events: readonly CoreV1Event[], limit = 5): string[] {
  return events
    .filter((e) => e.type === 'Warning')
    .sort((a, b) => eventTime(a) - eventTime(b))
    .slice(-limit)
    .map((e) => `${e.reason ?? 'Warning'}: ${e.message ?? ''}`.trim());
}

function eventTime(event: CoreV1Event): number {
  const t = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}
