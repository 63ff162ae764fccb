// A claim that did not bind: what the cluster says about it, read at the moment of failure and
// turned into one likely cause (pending.ts): the claim's state and events, the consumer pod's events
// (the scheduler's word on volume node affinity or unbound claims), where the class's provisioner
// runs and the log tails of its pods (a provisioner that runs but refuses says why only there). The
// claim, its consumer and the provisioner's pods are tracked, so the engine's failure evidence adds
// their events and the pods' state; this adds only what the engine does not gather.
import type { V1StorageClass } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { Evidence, Origin } from '../../helpers/result.ts';
import type { StorageEnv } from './env.ts';
import { readStorageFacts } from './facts.ts';
import { findingLines, findingPods, findProvisioner, type ProvisionerFinding } from './provisioner.ts';
import { pendingCause, type EventFact } from './pending.ts';
import { eventsAbout, logTailEvidence } from '../../helpers/objects/pod-output.ts';

const LOG_LINES = 20;
const LOG_PODS = 2;

export async function eventsOf(env: StorageEnv, kind: string, namespace: string, name: string): Promise<EventFact[]> {
  try {
    return (await eventsAbout(env.clients.core, { kind, namespace, name })).map((e) => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
    }));
  } catch {
    return [];
  }
}

export function eventText(events: readonly EventFact[]): string {
  return events.length === 0
    ? 'none'
    : events
        .slice(-8)
        .map((e) => `${e.type} ${e.reason}: ${e.message}`)
        .join('\n');
}

export async function provisionerFinding(env: StorageEnv, provisioner: string): Promise<ProvisionerFinding> {
  return findProvisioner(provisioner, await readStorageFacts(env.clients, [provisioner], env.facts.schedulable));
}

async function logTails(c: CheckContext, env: StorageEnv, finding: ProvisionerFinding): Promise<Evidence[]> {
  const pods = findingPods(finding).slice(0, LOG_PODS);
  return Promise.all(
    pods.map(async (pod): Promise<Evidence> => {
      c.track({ kind: 'Pod', namespace: pod.namespace, name: pod.name });
      return logTailEvidence(env.clients.core, pod, { label: `log tail of provisioner pod ${pod.namespace}/${pod.name}`, lines: LOG_LINES });
    }),
  );
}

export interface Unbound {
  what: string;
  claim: string;
  pod?: string;
  className: string;
  sc?: V1StorageClass;
  waitedMs: number;
}

// Ends the check: the claim is still Pending, and this is why.
export async function failUnbound(c: CheckContext, env: StorageEnv, u: Unbound): Promise<never> {
  const claim = await env.clients.core.readNamespacedPersistentVolumeClaim({ namespace: env.namespace, name: u.claim }).catch(() => undefined);
  const [claimEvents, podEvents, finding] = await Promise.all([
    eventsOf(env, 'PersistentVolumeClaim', env.namespace, u.claim),
    u.pod === undefined ? Promise.resolve([]) : eventsOf(env, 'Pod', env.namespace, u.pod),
    u.sc === undefined ? Promise.resolve(undefined) : provisionerFinding(env, u.sc.provisioner).catch(() => undefined),
  ]);
  const waitedS = Math.round(u.waitedMs / 1000);
  const cause = pendingCause({
    className: u.className,
    ...(u.sc === undefined ? {} : { sc: u.sc }),
    ...(finding === undefined ? {} : { finding }),
    claimEvents,
    podEvents,
    waitedS,
  });
  // The claim and the consumer pod are tracked: the engine's failure evidence adds their events (and
  // the pod's state); the claim's state, which it does not describe, is said here.
  const evidence: Evidence[] = [
    {
      label: `claim ${env.namespace}/${u.claim}`,
      text: `phase ${claim?.status?.phase ?? 'unknown'}, class ${claim?.spec?.storageClassName ?? '(none)'}, annotations ${JSON.stringify(claim?.metadata?.annotations ?? {})}`,
    },
  ];
  if (finding !== undefined) {
    evidence.push({ label: `provisioner ${finding.provisioner}`, text: findingLines(finding).join('\n') });
    evidence.push(...(await logTails(c, env, finding)));
  }
  c.track({ kind: 'PersistentVolumeClaim', namespace: env.namespace, name: u.claim });
  if (u.pod !== undefined) c.track({ kind: 'Pod', namespace: env.namespace, name: u.pod });
  const origin: Origin | undefined =
    cause.provisionerAtFault && u.sc !== undefined
      ? {
          dimension: 'component',
          value: u.sc.provisioner,
          summary: cause.likelyCause,
          confidence: finding?.verdict === 'nowhere' || finding?.verdict === 'not-ready' ? 'high' : 'medium',
        }
      : undefined;
  return c.fail(
    u.className === '' || finding?.verdict === 'nowhere' ? 'missing' : 'timeout',
    `${u.what}: claim ${env.namespace}/${u.claim} ${u.waitedMs === 0 ? 'is Pending' : `still Pending after ${waitedS}s`}: ${cause.headline}`,
    {
      likelyCause: cause.likelyCause,
      evidence,
      ...(origin === undefined ? {} : { origin }),
      reproduce: `kubectl -n ${env.namespace} describe pvc ${u.claim}`,
    },
  );
}
