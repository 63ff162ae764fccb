// What the cluster itself says about its components, read in a few calls when something shakedown
// waits for does not happen: the scheduler's and controller-manager's leader Leases, every node's
// heartbeat Lease and Ready condition, and the events of the namespace it waits in.
import type { CoreV1Api, CoreV1Event, CoordinationV1Api } from '@kubernetes/client-node';
import { componentLease, nodeLeases, type LeaseReading, type LeaseState } from '../kube/leases.ts';

export interface NodeCondition {
  ready: string;
  reason?: string;
  message?: string;
}

export interface Signals {
  at: Date;
  scheduler: LeaseReading;
  controllerManager: LeaseReading;
  // Absent when they cannot be read (no permission): diagnosis then says less, never wrong.
  nodeLeases?: Map<string, LeaseState>;
  nodes?: Map<string, NodeCondition>;
  events: CoreV1Event[];
}

export interface SignalsApi {
  read(namespace: string): Promise<Signals>;
}

export function signalsApi(core: CoreV1Api, coordination: CoordinationV1Api, now: () => Date = () => new Date()): SignalsApi {
  return {
    async read(namespace) {
      const [scheduler, controllerManager, leases, nodes, events] = await Promise.all([
        componentLease(coordination, 'kube-scheduler', now),
        componentLease(coordination, 'kube-controller-manager', now),
        nodeLeases(coordination, now),
        core.listNode().then(
          (list) =>
            new Map(
              list.items.map((node) => {
                const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
                const condition: NodeCondition = {
                  ready: ready?.status ?? 'Unknown',
                  ...(ready?.reason ? { reason: ready.reason } : {}),
                  ...(ready?.message ? { message: ready.message } : {}),
                };
                return [node.metadata?.name ?? '', condition] as const;
              }),
            ),
          () => undefined,
        ),
        core.listNamespacedEvent({ namespace }).then(
          (list) => list.items,
          () => [],
        ),
      ]);
      return {
        at: now(),
        scheduler,
        controllerManager,
        ...(leases === undefined ? {} : { nodeLeases: leases }),
        ...(nodes === undefined ? {} : { nodes }),
        events,
      };
    },
  };
}
