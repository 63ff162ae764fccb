// Dynamic provisioning the way binding really happens, measured. A claim is made (without a class,
// or of a chosen class); with WaitForFirstConsumer it must stay Pending, with the
// WaitForFirstConsumer event, until a pod uses it (that Pending is the design, not a failure); with
// Immediate it must bind before any pod exists. Then a data pod writes through it. Times are taken
// from watches: to Bound (from the pod's creation, or the claim's for Immediate) and to the pod
// Running (from its creation). A claim that does not bind fails with its cause (diagnose.ts), early
// when the class's provisioner runs nowhere.
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { poll } from '../../helpers/wait/poll.ts';
import { collections, openWatch } from '../../helpers/wait/watch.ts';
import { bindingMode, className as nameOf, type BindingMode } from './classes.ts';
import { parseDataReport, type DataReport, type WriteReport } from './data-script.ts';
import { eventsOf, failUnbound, provisionerFinding } from './diagnose.ts';
import type { StorageEnv } from './env.ts';
import { nodeFacts } from './facts.ts';
import { rowsTable, type Row } from './match.ts';
import { claimManifest, dataPod } from './objects.ts';
import { provisionedRows } from './pv-expect.ts';
import { podLog } from '../../helpers/objects/pod-output.ts';

// How long a WaitForFirstConsumer claim is looked at for its event before a pod is made, and how often.
const CONSUMER_EVENT_MS = 8000;
const CONSUMER_EVENT_EVERY_MS = 500;
// After this long unbound, ask whether the provisioner runs at all (and stop early if not).
const PROVISIONER_LOOK_MS = 10_000;

export interface Provisioned {
  claim: V1PersistentVolumeClaim;
  sc: V1StorageClass;
  pv: V1PersistentVolume;
  node: string;
  mode: BindingMode;
  boundMs: number;
  runningMs: number;
  // WaitForFirstConsumer: the event seen while no pod used the claim.
  consumerEvent?: string;
  write: WriteReport;
  rows: Row[];
}

export interface ProvisionSpec {
  what: string;
  claim: string;
  pod: string;
  // undefined: no storageClassName (the default class decides).
  className?: string;
  size: string;
}

const phaseOf = (claim: V1PersistentVolumeClaim | undefined) => claim?.status?.phase ?? 'Pending';

export async function podReport(env: StorageEnv, pod: string): Promise<DataReport> {
  const log = await podLog(env.clients.core, { namespace: env.namespace, name: pod, container: 'data' }).catch(
    (error: unknown) => `could not read the log: ${String(error)}`,
  );
  return parseDataReport(log);
}

// Waits for Bound, seen by a watch the moment it happens; every PROVISIONER_LOOK_MS still unbound it
// asks whether the provisioner runs at all, failing at once when it runs nowhere (a pod that is only
// not ready may still provision: that waits the full bound).
async function waitBound(
  c: CheckContext,
  env: StorageEnv,
  spec: ProvisionSpec,
  sc: V1StorageClass,
  pod: string | undefined,
): Promise<{ claim: V1PersistentVolumeClaim; ms: number }> {
  const watch = await openWatch<V1PersistentVolumeClaim>(env.connection, { path: collections.claims(env.namespace), name: spec.claim }, { signal: c.signal });
  try {
    const claimNow = () => watch.get(spec.claim, env.namespace);
    const isBound = () => phaseOf(claimNow()) === 'Bound';
    const started = performance.now();
    const deadline = started + env.boundMs;
    const looked = await poll(
      async () => {
        if ((await watch.until(isBound, { timeoutMs: Math.min(deadline - performance.now(), PROVISIONER_LOOK_MS), signal: c.signal })).ok)
          return { bound: true };
        c.signal.throwIfAborted();
        const finding = await provisionerFinding(env, sc.provisioner).catch(() => undefined);
        if (finding !== undefined) c.log(`after ${Math.round(performance.now() - started)}ms still ${phaseOf(claimNow())}: ${finding.summary}`);
        return { bound: false, finding };
      },
      (look) => look.bound || look.finding?.verdict === 'nowhere',
      { deadline, intervalMs: 0, signal: c.signal },
    );
    const claim = claimNow();
    if (looked.value.bound && claim !== undefined) return { claim, ms: looked.elapsedMs };
    return await failUnbound(c, env, {
      what: spec.what,
      claim: spec.claim,
      ...(pod === undefined ? {} : { pod }),
      className: nameOf(sc),
      sc,
      waitedMs: looked.elapsedMs,
    });
  } finally {
    watch.stop();
  }
}

// A claim bound and written through; the check fails (with its cause) on the way if it cannot be.
export async function provision(c: CheckContext, env: StorageEnv, spec: ProvisionSpec, dataMb: number): Promise<Provisioned> {
  const core = env.clients.core;
  const created = c.track(
    await core.createNamespacedPersistentVolumeClaim({
      namespace: env.namespace,
      body: claimManifest({
        name: spec.claim,
        namespace: env.namespace,
        runId: env.runId,
        size: spec.size,
        ...(spec.className === undefined ? {} : { className: spec.className }),
      }),
    }),
  );
  const claimCreated = performance.now();
  const assigned = created.spec?.storageClassName ?? '';
  c.log(`claim ${spec.claim} created, class ${assigned || '(none)'}`);
  const sc = env.facts.classes.find((s) => nameOf(s) === assigned);
  if (assigned === '' || sc === undefined) return failUnbound(c, env, { what: spec.what, claim: spec.claim, className: assigned, waitedMs: 0 });
  const mode = bindingMode(sc);

  let consumerEvent: string | undefined;
  let boundMs: number | undefined;
  let claim: V1PersistentVolumeClaim = created;
  if (mode === 'WaitForFirstConsumer') {
    // Pending without a consumer is the design: look for the event that says so, and that it did not bind.
    const looked = await poll(
      async () => (await eventsOf(env, 'PersistentVolumeClaim', env.namespace, spec.claim)).find((e) => e.reason === 'WaitForFirstConsumer'),
      (event) => event !== undefined,
      { timeoutMs: CONSUMER_EVENT_MS, intervalMs: CONSUMER_EVENT_EVERY_MS, signal: c.signal },
    );
    consumerEvent = looked.value?.message;
    claim = await core.readNamespacedPersistentVolumeClaim({ namespace: env.namespace, name: spec.claim });
    c.log(`without a consumer: ${phaseOf(claim)}, event ${consumerEvent ?? 'not seen'}`);
    if (phaseOf(claim) !== 'Pending') {
      return c.fail('mismatch', `${spec.what}: claim ${spec.claim} of class ${nameOf(sc)} (WaitForFirstConsumer) is ${phaseOf(claim)} before any pod uses it`, {
        likelyCause: `a PV was bound without waiting for a consumer (pre-bound, or the class's binding mode is not honoured): ${claim.spec?.volumeName ?? ''}`,
      });
    }
  } else {
    const bound = await waitBound(c, env, spec, sc, undefined);
    claim = bound.claim;
    boundMs = performance.now() - claimCreated;
    c.log(`Immediate: bound after ${Math.round(boundMs)}ms without a consumer`);
  }

  // The consumer: writes the data.
  await core.createNamespacedPod({
    namespace: env.namespace,
    body: dataPod({
      name: spec.pod,
      namespace: env.namespace,
      runId: env.runId,
      claim: spec.claim,
      mode: 'write',
      dataMb,
      image: env.image,
      ...(env.pullSecret === undefined ? {} : { pullSecret: env.pullSecret }),
    }),
  });
  c.track({ kind: 'Pod', namespace: env.namespace, name: spec.pod });
  const podCreated = performance.now();
  const podWatch = await openWatch<V1Pod>(env.connection, { path: collections.pods(env.namespace), name: spec.pod }, { signal: c.signal });
  try {
    if (mode === 'WaitForFirstConsumer') {
      const bound = await waitBound(c, env, spec, sc, spec.pod);
      claim = bound.claim;
      boundMs = performance.now() - podCreated;
      c.log(`WaitForFirstConsumer: bound ${Math.round(boundMs)}ms after its pod was created`);
    }
    const phase = () => podWatch.get(spec.pod, env.namespace)?.status?.phase;
    const done = await podWatch.until(() => phase() === 'Succeeded' || phase() === 'Failed', {
      timeoutMs: env.boundMs * 2 - (performance.now() - podCreated),
      signal: c.signal,
    });
    // Running is the first time it is seen running (or done).
    const running = podWatch.events.find((e) => e.type !== 'DELETED' && ['Running', 'Succeeded', 'Failed'].includes(e.object.status?.phase ?? ''));
    const runningMs = running === undefined ? undefined : Math.max(0, running.at - podCreated);
    const pod = podWatch.get(spec.pod, env.namespace);
    if (!done.ok || pod === undefined) {
      c.signal.throwIfAborted();
      // The pod is tracked: the engine's failure evidence describes it (state, events, log tail).
      return c.fail(
        'timeout',
        `${spec.what}: the data pod ${spec.pod} did not finish in ${Math.round((env.boundMs * 2) / 1000)}s (phase ${pod?.status?.phase ?? 'unknown'})`,
        {
          likelyCause: 'the volume could not be mounted or the pod could not start on its node (see the pod events: FailedMount, FailedAttachVolume)',
        },
      );
    }
    const report = await podReport(env, spec.pod);
    if (!report.ok || report.mode !== 'write') {
      return c.fail(
        'error',
        `${spec.what}: the data pod could not write to the volume: ${report.ok ? `unexpected report ${report.mode}` : `${report.error}${report.code ? ` (${report.code})` : ''}`}`,
        {
          likelyCause:
            !report.ok && (report.code === 'EACCES' || report.code === 'EPERM')
              ? `the volume is not writable by uid ${report.uid ?? 65534} with fsGroup 65534: the volume's ownership or the driver's fsGroup support`
              : 'the volume is not usable from the pod (see its log and events)',
        },
      );
    }
    const node = pod.spec?.nodeName ?? '';
    const pv = await core.readPersistentVolume({ name: claim.spec?.volumeName ?? '' });
    const podNode = env.facts.nodes.find((n) => n.name === node) ?? nodeFacts({ metadata: { name: node } });
    const rows = provisionedRows(claim, sc, pv, podNode);
    return {
      claim,
      sc,
      pv,
      node,
      mode,
      boundMs: boundMs ?? 0,
      runningMs: runningMs ?? 0,
      ...(consumerEvent === undefined ? {} : { consumerEvent }),
      write: report,
      rows,
    };
  } finally {
    podWatch.stop();
  }
}

// Fails the check when the PV does not follow its claim and class.
export function judgePv(c: CheckContext, what: string, p: Provisioned): void {
  const bad = p.rows.filter((r) => r.ok === false);
  const table = rowsTable(`PV ${p.pv.metadata?.name ?? ''}`, p.rows);
  c.evidence(`PV ${p.pv.metadata?.name ?? ''} vs claim and class ${nameOf(p.sc)}`, table);
  if (bad.length > 0) {
    c.fail(
      'mismatch',
      `${what}: PV ${p.pv.metadata?.name ?? ''} differs from its claim and class in ${bad.map((r) => `${r.field} (expected ${r.claim}, got ${r.pv})`).join(', ')}`,
      {
        likelyCause: `the provisioner ${p.sc.provisioner} does not honour the claim or the class's parameters`,
      },
    );
  }
}

export async function removePod(env: StorageEnv, name: string): Promise<void> {
  await env.clients.core.deleteNamespacedPod({ namespace: env.namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

export async function removeClaim(env: StorageEnv, name: string): Promise<void> {
  await env.clients.core.deleteNamespacedPersistentVolumeClaim({ namespace: env.namespace, name }).catch(() => undefined);
}

// A check that passed (or skips) removes its pods and claims at once; one that failed leaves them for
// the evidence and --keep-on-failure, and the run's namespace deletion takes them.
export async function tidy(env: StorageEnv, pods: readonly string[], claims: readonly string[]): Promise<void> {
  await Promise.all(pods.map((pod) => removePod(env, pod)));
  await Promise.all(claims.map((claim) => removeClaim(env, claim)));
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
