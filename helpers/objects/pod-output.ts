// What the cluster says about pods and objects, read for the engine and the suites in one place: a
// pod's log (the output of a pod a suite ran, or the tail that explains a component), and the
// events about an object. Suites read logs and events only through these (a lint rule keeps the
// API calls out of suites/), so a log is always cut the same way and events come in one order.
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import type { Evidence } from '../result.ts';

export const LOG_TAIL_LINES = 20;
export const MAX_TEXT = 4000;
// Events about a Node are kept in the default namespace.
const NODE_EVENTS_NAMESPACE = 'default';

export interface PodLogRef {
  namespace: string;
  name: string;
  container?: string;
}

// The log of a pod (of one container), whole or its last lines; the previous container's after a
// restart. Throws what the API said.
export function podLog(core: CoreV1Api, pod: PodLogRef, options: { tailLines?: number; previous?: boolean } = {}): Promise<string> {
  return core.readNamespacedPodLog({
    namespace: pod.namespace,
    name: pod.name,
    ...(pod.container === undefined ? {} : { container: pod.container }),
    ...(options.tailLines === undefined ? {} : { tailLines: options.tailLines }),
    ...(options.previous === true ? { previous: true } : {}),
  });
}

// The last lines of a pod's log as evidence, cut from the front (the end of a log explains it); a
// log that cannot be read says why.
export async function logTailEvidence(
  core: CoreV1Api,
  pod: PodLogRef,
  options: { label?: string; lines?: number; previous?: boolean } = {},
): Promise<Evidence> {
  const label =
    options.label ??
    `log tail of pod ${pod.namespace}/${pod.name}${pod.container === undefined ? '' : ` (${pod.container}${options.previous === true ? ', previous container' : ''})`}`;
  try {
    const tail = (await podLog(core, pod, { tailLines: options.lines ?? LOG_TAIL_LINES, ...(options.previous === true ? { previous: true } : {}) })).trimEnd();
    return {
      label,
      text: tail === '' ? '(empty)' : tail.length <= MAX_TEXT ? tail : `… (${tail.length - (MAX_TEXT - 40)} characters cut)\n${tail.slice(-(MAX_TEXT - 40))}`,
    };
  } catch (error) {
    return { label, text: `could not read: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}` };
  }
}

export interface ObjectOfEvents {
  kind: string;
  // '' for a cluster-scoped object (a Node's events are in the default namespace).
  namespace: string;
  name: string;
}

// The events about one object, oldest first. Throws what the API said.
export async function eventsAbout(core: CoreV1Api, object: ObjectOfEvents): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({
    namespace: object.namespace === '' ? NODE_EVENTS_NAMESPACE : object.namespace,
    fieldSelector: `involvedObject.kind=${object.kind},involvedObject.name=${object.name}`,
  });
  return [...list.items].sort((a, b) => eventTime(a) - eventTime(b));
}

export function eventTime(event: CoreV1Event): number {
  const t = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}

// Warnings first, then the most recent first: the order evidence shows them in.
export function orderEvents(events: readonly CoreV1Event[]): CoreV1Event[] {
  return [...events].sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || eventTime(b) - eventTime(a));
}
