// Signals and pods as the cluster would show them, for the diagnosis tests.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { LeaseReading, LeaseState } from '../kube/leases.ts';
import type { Signals } from './signals.ts';

export const AT = new Date('2026-12-03T12:00:00Z');

export function lease(ageS: number, durationS: number, name = 'x', stale = ageS > durationS): LeaseState {
  return { namespace: 'kube-system', name, holder: `${name}_1`, renewedAt: new Date(AT.getTime() - ageS * 1000), durationS, ageMs: ageS * 1000, stale };
}

export function signals(overrides: Partial<Signals> = {}): Signals {
  const held: LeaseReading = { kind: 'lease', lease: lease(2, 15) };
  return {
    at: AT,
    scheduler: held,
    controllerManager: held,
    nodeLeases: new Map([
      ['node1', lease(3, 40, 'node1', false)],
      ['node2', lease(3, 40, 'node2', false)],
    ]),
    nodes: new Map([
      ['node1', { ready: 'True' }],
      ['node2', { ready: 'True' }],
    ]),
    events: [],
    ...overrides,
  };
}

export function pod(name: string, ageS: number, state: { node?: string; scheduled?: 'True' | 'False'; started?: boolean } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'sd-1', creationTimestamp: new Date(AT.getTime() - ageS * 1000) },
    spec: { containers: [], ...(state.node === undefined ? {} : { nodeName: state.node }) },
    status: {
      phase: 'Pending',
      ...(state.scheduled === undefined
        ? {}
        : {
            conditions: [
              {
                type: 'PodScheduled',
                status: state.scheduled,
                ...(state.scheduled === 'False' ? { reason: 'Unschedulable', message: '0/2 nodes are available' } : {}),
              },
            ],
          }),
      ...(state.started === true ? { containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0 }] } : {}),
    },
  };
}

export function warning(podName: string, reason: string, message: string): CoreV1Event {
  return { metadata: {}, involvedObject: { kind: 'Pod', name: podName }, type: 'Warning', reason, message };
}
