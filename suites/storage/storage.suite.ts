// Storage: the StorageClasses and the default one, whether each provisioner runs, dynamic
// provisioning the way binding really happens (WaitForFirstConsumer's Pending is not a failure),
// data written with fsync that a new pod reads back, a static PV of the run bound by class and
// selector and a claim that cannot match explained field by field, reclaim and resize as the class
// says, and read-only findings (Released PVs, claims stuck Terminating, existing Pending claims).
// Every claim that does not bind fails with its cause (diagnose.ts); times are measured by watches.
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { statusCode } from '../../helpers/kube/api-errors.ts';
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { relook } from '../../helpers/wait/poll.ts';
import { collections, waitGone, watchObject } from '../../helpers/wait/watch.ts';
import { allowsExpansion, bindingMode, classLine, className, DEFAULT_CLASS_ANNOTATION, NO_PROVISIONER, reclaimPolicyOf, resolveDefault } from './classes.ts';
import { parseDataReport, throughput, type ReadReport, type WriteReport } from './data-script.ts';
import { eventsOf, eventText, provisionerFinding } from './diagnose.ts';
import { storageEnv, type StorageEnv } from './env.ts';
import { readClasses, readStorageFacts } from './facts.ts';
import manifest from './manifest.ts';
import { claimClass, explainClaim, explanationText, nodeAffinityText, nodeSelectorAdmits, SELECTED_NODE_ANNOTATION } from './match.ts';
import { claimManifest, dataPod, runLabels, staticPv } from './objects.ts';
import { findingLines, findingPods, findProvisioner } from './provisioner.ts';
import { judgePv, provision, removeClaim, removePod, seconds, tidy } from './provision.ts';
import { provisionedLine, recordTimes } from './report.ts';
import { parseQuantity, formatBytes } from './quantity.ts';
import { podLog } from '../../helpers/objects/pod-output.ts';

const STATIC_LABEL = 'shakedown.dev/static';
// A claim Terminating longer than this, or a PV Released longer, is a finding.
const STUCK_MS = 120_000;
// How long before a provisioner found not running is looked at again.
const RELOOK_MS = 5000;

function names(list: readonly string[]): string {
  return list.join(', ') || 'none';
}

async function waitPodGone(c: CheckContext, env: StorageEnv, name: string): Promise<void> {
  await waitGone(env.connection, { path: collections.pods(env.namespace), name }, { timeoutMs: 30_000, signal: c.signal });
}

// The API server's own words for a refused request (its Status message), not the client's wrapping.
function refusalText(error: unknown): string {
  const code = statusCode(error);
  const body = (error as { body?: unknown }).body;
  let message: string | undefined;
  try {
    message = (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined))?.message;
  } catch {
    message = undefined;
  }
  return `HTTP ${code ?? '?'}: ${(message ?? (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').slice(0, 300)}`;
}

async function runPod(c: CheckContext, env: StorageEnv, pod: V1Pod): Promise<V1Pod | undefined> {
  const name = pod.metadata?.name ?? '';
  await env.clients.core.createNamespacedPod({ namespace: env.namespace, body: pod });
  c.track({ kind: 'Pod', namespace: env.namespace, name });
  const done = await watchObject<V1Pod>(
    env.connection,
    { path: collections.pods(env.namespace), name },
    (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    { timeoutMs: env.boundMs, signal: c.signal },
  );
  return done.ok ? done.value : undefined;
}

async function readBack(c: CheckContext, env: StorageEnv, what: string, name: string, claim: string, node: string, readOnly: boolean): Promise<ReadReport> {
  const pod = await runPod(
    c,
    env,
    dataPod({
      name,
      namespace: env.namespace,
      runId: env.runId,
      claim,
      mode: 'read',
      dataMb: env.dataMb,
      image: env.image,
      node,
      readOnly,
      ...(env.pullSecret === undefined ? {} : { pullSecret: env.pullSecret }),
    }),
  );
  if (pod === undefined) {
    // The pod is tracked: the engine's failure evidence describes it (state, events, log tail).
    return c.fail('timeout', `${what}: the reader pod ${name} on ${node} did not finish in ${seconds(env.boundMs)}`, {
      likelyCause:
        'the volume could not be attached or mounted on that node (FailedAttachVolume, FailedMount, a volume node affinity conflict): see the pod events',
    });
  }
  const log = await podLog(env.clients.core, { namespace: env.namespace, name, container: 'data' }).catch((error: unknown) => String(error));
  const report = parseDataReport(log);
  if (!report.ok || report.mode !== 'read') {
    return c.fail(
      'error',
      `${what}: the reader pod on ${node} could not read the data: ${report.ok ? report.mode : `${report.error}${report.code ? ` (${report.code})` : ''}`}`,
      {
        likelyCause:
          !report.ok && report.code === 'ENOENT'
            ? 'the file written before is not there: the new pod got another (empty) volume, or the write was lost'
            : 'the volume is not readable from the new pod',
      },
    );
  }
  return report;
}

function judgeChecksum(c: CheckContext, what: string, write: WriteReport, read: ReadReport, node: string): void {
  if (read.sha256 !== write.sha256 || read.expected !== write.sha256 || read.bytes !== write.bytes) {
    c.fail('mismatch', `${what}: the data read back on ${node} differs from what was written`, {
      evidence: [
        {
          label: 'checksums',
          text: `written: ${write.bytes} bytes sha256 ${write.sha256}\nstored checksum: ${read.expected}\nread back: ${read.bytes} bytes sha256 ${read.sha256}`,
        },
      ],
      likelyCause:
        "the volume lost or corrupted data between pods although it was fsync'd: the storage does not honour fsync, or the new pod got another volume",
    });
  }
}

defineSuite(manifest, () => {
  check(manifest.check.defaultClass, async (c) => {
    const { session } = await c.cluster();
    const facts = await readClasses(session.clients);
    const resolution = resolveDefault(facts.classes);
    c.evidence('StorageClasses', facts.classes.map((sc) => classLine(sc, resolution.winner)).join('\n') || 'none');
    const all = names(facts.classes.map(className));
    if (facts.classes.length === 0) {
      return c.fail('missing', 'no StorageClass exists: claims can only bind static PVs', {
        likelyCause: 'no storage provisioner is installed, or its StorageClass was deleted',
        reproduce: 'kubectl get storageclass',
      });
    }
    if (resolution.winner === undefined) {
      return c.fail(
        'missing',
        `no default StorageClass: none of ${facts.classes.length} class(es) (${all}) is marked default, so a claim without storageClassName gets no class and stays Pending`,
        {
          likelyCause: `no StorageClass carries the annotation ${DEFAULT_CLASS_ANNOTATION}="true" (removed, or never set)`,
          reproduce: 'kubectl get storageclass',
        },
      );
    }
    const winner = className(resolution.winner);
    c.property('storage.default-class', winner);
    if (resolution.verdict === 'many') {
      c.warn(
        `${resolution.defaults.length} StorageClasses are marked default (${names(resolution.defaults.map(className))}): a claim without a class gets ${winner}, the most recently created`,
        {
          likelyCause: `a second class was marked default without unmarking the first; remove ${DEFAULT_CLASS_ANNOTATION} from all but one`,
          reproduce: 'kubectl get storageclass',
        },
      );
    }
    c.note(`default class ${classLine(resolution.winner, resolution.winner)}; ${facts.classes.length} class(es): ${all}`);
  });

  check(manifest.check.provisioners, async (c) => {
    const { session } = await c.cluster();
    const facts = await readClasses(session.clients);
    if (facts.classes.length === 0) return c.skip('no StorageClass exists (the default-class check fails for it)');
    const provisioners = [...new Set(facts.classes.map((sc) => sc.provisioner))];
    const judge = async () => {
      const storage = await readStorageFacts(session.clients, provisioners, facts.schedulable);
      const findings = new Map(provisioners.map((p) => [p, findProvisioner(p, storage)]));
      return { findings, bad: facts.classes.filter((sc) => ['nowhere', 'not-ready', 'partial'].includes(findings.get(sc.provisioner)?.verdict ?? '')) };
    };
    // Read again before it counts: a readiness probe that missed once under load is not a verdict.
    const { findings, bad } = (
      await relook(judge, (judged) => judged.bad.length > 0, {
        afterMs: RELOOK_MS,
        signal: c.signal,
        onBad: (first) => c.log(`not running on the first look: ${first.bad.map((sc) => first.findings.get(sc.provisioner)?.summary ?? '').join('; ')}`),
      })
    ).value;
    c.evidence('provisioners', [...findings.values()].flatMap(findingLines).join('\n'));
    if (bad.length > 0) {
      const badProvisioners = [...new Set(bad.map((sc) => sc.provisioner))];
      const badFindings = badProvisioners.map((p) => findings.get(p)).filter((f) => f !== undefined);
      for (const finding of badFindings) for (const pod of findingPods(finding).slice(0, 3)) c.track({ kind: 'Pod', namespace: pod.namespace, name: pod.name });
      const first = badFindings[0];
      const message = `${bad.length} of ${facts.classes.length} class(es) have no running provisioner: ${bad.map((sc) => `${className(sc)}: ${findings.get(sc.provisioner)?.summary ?? ''}`).join('; ')}`;
      const details = {
        likelyCause: first?.summary ?? '',
        ...(badProvisioners.length === 1 && first !== undefined
          ? { origin: { dimension: 'component', value: first.provisioner, summary: first.summary, confidence: 'high' as const } }
          : {}),
      };
      // Pods whose containers run but whose readiness probe fails may still provision: a finding, not a failure.
      const onlyUnready = badFindings.every((f) => f.verdict === 'not-ready' && findingPods(f).some((pod) => pod.running));
      if (onlyUnready) c.warn(`${message} (their containers run, only the readiness probe fails)`, details);
      c.fail('missing', message, details);
    }
    c.note(facts.classes.map((sc) => `${className(sc)}: ${findings.get(sc.provisioner)?.summary ?? ''}`).join('; '));
  });

  check(manifest.check.claimWithoutClass, async (c) => {
    const env = await storageEnv(c);
    const winner = resolveDefault(env.facts.classes).winner;
    const p = await provision(c, env, { what: 'a claim without a class', claim: 'storage-default', pod: 'storage-default-writer', size: '16Mi' }, 1);
    if (winner !== undefined && className(p.sc) !== className(winner)) {
      c.fail('mismatch', `the claim without a class got class ${className(p.sc)}, but the default class (the newest marked default) is ${className(winner)}`, {
        likelyCause: 'the DefaultStorageClass admission plugin chose differently, or the classes changed during the check',
      });
    }
    judgePv(c, 'the default class', p);
    recordTimes(c, p);
    c.note(provisionedLine(p));
    await tidy(env, ['storage-default-writer'], ['storage-default']);
  });

  check(manifest.check.eachClassBinds, async (c) => {
    const chosen = suiteOptions(c.run, manifest).classes;
    if (chosen.length === 0) return c.skip('no --storage-class given: only the default class is exercised (the check above)');
    const env = await storageEnv(c);
    const all = chosen.includes('all');
    const classes = all
      ? env.facts.classes.filter((sc) => sc.provisioner !== NO_PROVISIONER)
      : chosen.map((name) => env.facts.classes.find((sc) => className(sc) === name) ?? name);
    const missing = classes.filter((sc) => typeof sc === 'string');
    if (missing.length > 0) c.fail('missing', `no StorageClass named ${names(missing as string[])} (classes: ${names(env.facts.classes.map(className))})`);
    const lines: string[] = [];
    for (const [i, sc] of classes.entries()) {
      if (typeof sc === 'string') continue;
      const claim = `storage-class-${i}`;
      const p = await provision(c, env, { what: `class ${className(sc)}`, claim, pod: `${claim}-writer`, className: className(sc), size: '16Mi' }, 1);
      judgePv(c, `class ${className(sc)}`, p);
      recordTimes(c, p);
      lines.push(provisionedLine(p));
      await tidy(env, [`${claim}-writer`], [claim]);
    }
    if (lines.length === 0) return c.skip('no class with a provisioner among those chosen (only kubernetes.io/no-provisioner classes)');
    c.note(lines.join('; '));
  });

  check(manifest.check.dataSameNode, async (c) => {
    const env = await storageEnv(c);
    const size = `${Math.max(64, env.dataMb * 2)}Mi`;
    const p = await provision(c, env, { what: 'data', claim: 'storage-data', pod: 'storage-data-writer', size }, env.dataMb);
    await removePod(env, 'storage-data-writer');
    await waitPodGone(c, env, 'storage-data-writer');
    const read = await readBack(c, env, 'data', 'storage-data-reader', 'storage-data', p.node, true);
    judgeChecksum(c, 'data', p.write, read, p.node);
    if (read.write === 'allowed') {
      c.fail('mismatch', 'data: a write through the read-only mount of the claim succeeded', {
        likelyCause: `the volume driver of class ${className(p.sc)} ignores readOnly mounts`,
      });
    }
    const writeRate = throughput(p.write.bytes, p.write.writeMs);
    const readRate = throughput(read.bytes, read.readMs);
    c.property(`storage.${className(p.sc)}.write`, `${formatBytes(p.write.bytes)} in ${Math.round(p.write.writeMs)} ms (${writeRate}, fsync)`);
    c.property(`storage.${className(p.sc)}.read`, `${formatBytes(read.bytes)} in ${Math.round(read.readMs)} ms (${readRate})`);
    c.evidence(
      'throughput (evidence, not judged)',
      `write ${formatBytes(p.write.bytes)} with fsync: ${Math.round(p.write.writeMs)} ms, ${writeRate}\nread back by a new pod: ${Math.round(read.readMs)} ms, ${readRate} (the node's page cache may serve it)`,
    );
    c.note(
      `class ${className(p.sc)}: ${formatBytes(p.write.bytes)} written with fsync by uid ${p.write.uid} (groups ${p.write.groups.join(',')}) at ${writeRate}, read back equal (sha256 ${p.write.sha256.slice(0, 12)}…) by a new pod on ${p.node} at ${readRate}; the read-only mount refused a write (${read.write})`,
    );
    await tidy(env, ['storage-data-writer', 'storage-data-reader'], ['storage-data']);
  });

  check(manifest.check.dataOtherNode, async (c) => {
    const env = await storageEnv(c);
    if (env.facts.schedulable.length < 2) return c.skip(`only ${env.facts.schedulable.length} node takes pods: there is no other node to read from`);
    const p = await provision(c, env, { what: 'data on another node', claim: 'storage-xnode', pod: 'storage-xnode-writer', size: '16Mi' }, 1);
    const others = env.facts.nodes.filter(
      (n) => n.name !== p.node && env.facts.schedulable.includes(n.name) && nodeSelectorAdmits(p.pv.spec?.nodeAffinity?.required, n),
    );
    const other = others[0];
    if (other === undefined) {
      await tidy(env, ['storage-xnode-writer', 'storage-xnode-reader'], ['storage-xnode']);
      return c.skip(
        `PV ${p.pv.metadata?.name ?? ''} of class ${className(p.sc)} is pinned to ${p.node} by its node affinity (${nodeAffinityText(p.pv)}): node-local storage, no other node can mount it`,
      );
    }
    await removePod(env, 'storage-xnode-writer');
    await waitPodGone(c, env, 'storage-xnode-writer');
    const read = await readBack(c, env, 'data on another node', 'storage-xnode-reader', 'storage-xnode', other.name, false);
    judgeChecksum(c, 'data on another node', p.write, read, other.name);
    c.note(`class ${className(p.sc)}: written on ${p.node}, read back equal on ${other.name}`);
    await tidy(env, ['storage-xnode-writer', 'storage-xnode-reader'], ['storage-xnode']);
  });

  check(manifest.check.staticPvBinds, async (c) => {
    const env = await storageEnv(c);
    const node = env.facts.schedulable[0];
    if (node === undefined) return c.skip('no node takes pods: a node-local static PV has nowhere to live');
    const pvName = `shakedown-${env.runId}-static-bind`;
    const staticClass = `shakedown-static-${env.runId}`;
    const labels = { [STATIC_LABEL]: `${env.runId}-bind` };
    try {
      await env.clients.core.createPersistentVolume({ body: staticPv({ name: pvName, runId: env.runId, className: staticClass, size: '16Mi', node, labels }) });
      const created = performance.now();
      c.track(
        await env.clients.core.createNamespacedPersistentVolumeClaim({
          namespace: env.namespace,
          body: claimManifest({ name: 'storage-static', namespace: env.namespace, runId: env.runId, className: staticClass, size: '8Mi', selector: labels }),
        }),
      );
      const bound = await watchObject<V1PersistentVolumeClaim>(
        env.connection,
        { path: collections.claims(env.namespace), name: 'storage-static' },
        (claim) => claim.status?.phase === 'Bound',
        { timeoutMs: env.boundMs, signal: c.signal },
      );
      const ms = performance.now() - created;
      const claim = bound.value;
      if (!bound.ok || claim === undefined || claim.spec?.volumeName !== pvName) {
        const pv = await env.clients.core.readPersistentVolume({ name: pvName });
        const explanation = claim === undefined ? undefined : explainClaim(claim, [pv], env.facts.nodes);
        return c.fail(
          bound.ok ? 'mismatch' : 'timeout',
          bound.ok
            ? `the claim bound ${claim?.spec?.volumeName ?? '?'} instead of the static PV ${pvName}`
            : `the claim did not bind the static PV ${pvName} in ${seconds(ms)}: ${explanation?.summary ?? 'claim not seen'}`,
          {
            evidence: explanation === undefined ? [] : [{ label: 'claim vs PV', text: explanationText(explanation) }],
            likelyCause: 'the PV controller (kube-controller-manager) does not bind claims to matching PVs: is it running?',
          },
        );
      }
      c.property('storage.static.bound-ms', String(Math.round(ms)));
      c.note(
        `claim storage-static (class ${staticClass}, selector ${STATIC_LABEL}=${labels[STATIC_LABEL]}) bound static hostPath PV ${pvName} on ${node} after ${seconds(ms)}`,
      );
    } finally {
      await removeClaim(env, 'storage-static');
      await env.clients.core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    }
  });

  check(manifest.check.unmatchableClaim, async (c) => {
    const env = await storageEnv(c);
    const node = env.facts.schedulable[0];
    if (node === undefined) return c.skip('no node takes pods: a node-local static PV has nowhere to live');
    const pvName = `shakedown-${env.runId}-static-nomatch`;
    const staticClass = `shakedown-static-${env.runId}`;
    const labels = { [STATIC_LABEL]: `${env.runId}-nomatch` };
    const expected = ['capacity', 'accessModes'];
    try {
      await env.clients.core.createPersistentVolume({ body: staticPv({ name: pvName, runId: env.runId, className: staticClass, size: '16Mi', node, labels }) });
      c.track(
        await env.clients.core.createNamespacedPersistentVolumeClaim({
          namespace: env.namespace,
          body: claimManifest({
            name: 'storage-nomatch',
            namespace: env.namespace,
            runId: env.runId,
            className: staticClass,
            size: '1Gi',
            accessModes: ['ReadWriteMany'],
            selector: labels,
          }),
        }),
      );
      // Long enough for the PV controller to have tried (it binds a matching claim in well under this).
      const watched = await watchObject<V1PersistentVolumeClaim>(
        env.connection,
        { path: collections.claims(env.namespace), name: 'storage-nomatch' },
        (claim) => claim.status?.phase === 'Bound',
        { timeoutMs: 5000, signal: c.signal },
      );
      const [claim, pv] = await Promise.all([
        env.clients.core.readNamespacedPersistentVolumeClaim({ namespace: env.namespace, name: 'storage-nomatch' }),
        env.clients.core.readPersistentVolume({ name: pvName }),
      ]);
      if (watched.ok || claim.status?.phase === 'Bound') {
        c.fail('mismatch', `a claim asking 1Gi ReadWriteMany bound ${claim.spec?.volumeName ?? '?'} though the only PV it selects offers 16Mi ReadWriteOnce`, {
          likelyCause: 'the PV controller binds claims to PVs that do not satisfy them',
        });
      }
      const explanation = explainClaim(claim, [pv], env.facts.nodes);
      const events = await eventsOf(env, 'PersistentVolumeClaim', env.namespace, 'storage-nomatch');
      c.evidence('claim vs static PV, field by field', explanationText(explanation));
      c.evidence('claim events', eventText(events));
      const seen = explanation.candidates[0]?.mismatched ?? [];
      if (seen.join(',') !== expected.join(',')) {
        c.fail('mismatch', `the explanation names ${names(seen)}, expected exactly ${names(expected)}`, {
          likelyCause: 'the claim or the PV was changed by something else (a mutating webhook, a default)',
        });
      }
      c.note(`still ${claim.status?.phase ?? 'Pending'} after ${seconds(watched.elapsedMs)}, as it must be: ${explanation.summary}`);
    } finally {
      await removeClaim(env, 'storage-nomatch');
      await env.clients.core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    }
  });

  check(manifest.check.existingPending, async (c) => {
    if (!suiteOptions(c.run, manifest).existing) return c.skip('--storage-existing not given: the claims already in the cluster are not read');
    const env = await storageEnv(c);
    const [claims, pvs] = await Promise.all([env.clients.core.listPersistentVolumeClaimForAllNamespaces(), env.clients.core.listPersistentVolume()]);
    const pending = claims.items.filter(
      (claim) => claim.status?.phase === 'Pending' && claim.metadata?.namespace !== env.namespace && claim.metadata?.labels?.[MANAGED_BY_LABEL] === undefined,
    );
    if (pending.length === 0) return c.note(`no Pending claim among ${claims.items.length} in the cluster`);
    // This run's own static PVs are not what an existing claim waits for.
    const others = pvs.items.filter((pv) => pv.metadata?.labels?.[RUN_ID_LABEL] !== env.runId);
    const normal: string[] = [];
    const findings: string[] = [];
    const storage = await readStorageFacts(env.clients, [...new Set(env.facts.classes.map((sc) => sc.provisioner))], env.facts.schedulable);
    for (const claim of pending.slice(0, 20)) {
      const name = `${claim.metadata?.namespace}/${claim.metadata?.name}`;
      const sc = env.facts.classes.find((s) => className(s) === claimClass(claim));
      if (sc !== undefined && bindingMode(sc) === 'WaitForFirstConsumer' && claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION] === undefined) {
        normal.push(`${name}: waits for its first consumer (class ${className(sc)}, WaitForFirstConsumer): normal until a pod uses it`);
        continue;
      }
      if (sc !== undefined && sc.provisioner !== NO_PROVISIONER) {
        const events = await eventsOf(env, 'PersistentVolumeClaim', claim.metadata?.namespace ?? '', claim.metadata?.name ?? '');
        const warning = events.filter((e) => e.type === 'Warning').at(-1);
        findings.push(
          `${name} (class ${className(sc)}): ${findProvisioner(sc.provisioner, storage).summary}${warning === undefined ? '' : `; last warning ${warning.reason}: ${warning.message}`}`,
        );
        continue;
      }
      findings.push(explanationText(explainClaim(claim, others, env.facts.nodes, 3)));
    }
    if (pending.length > 20) findings.push(`… and ${pending.length - 20} more Pending claim(s) not explained`);
    c.evidence('Pending claims', [...findings, ...normal].join('\n\n'));
    if (findings.length > 0)
      c.warn(
        `${findings.length} of ${pending.length} Pending claim(s) in the cluster cannot bind as things stand (${normal.length} only wait for their first pod)`,
      );
    c.note(`${pending.length} Pending claim(s), all waiting for their first consumer (WaitForFirstConsumer): normal`);
  });

  check(manifest.check.resizeAndReclaim, async (c) => {
    const env = await storageEnv(c);
    const core = env.clients.core;
    const p = await provision(c, env, { what: 'lifecycle', claim: 'storage-life', pod: 'storage-life-writer', size: '16Mi' }, 1);
    const sc = p.sc;
    const lines: string[] = [];
    // Resize: twice what was asked.
    const current = await core.readNamespacedPersistentVolumeClaim({ namespace: env.namespace, name: 'storage-life' });
    const grown = `${Math.round(((parseQuantity(current.spec?.resources?.requests?.storage) ?? 16 * 2 ** 20) * 2) / 2 ** 20)}Mi`;
    const resize = await core
      .replaceNamespacedPersistentVolumeClaim({
        namespace: env.namespace,
        name: 'storage-life',
        body: {
          ...current,
          spec: { ...current.spec, resources: { ...current.spec?.resources, requests: { ...current.spec?.resources?.requests, storage: grown } } },
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const refusal = resize === undefined ? undefined : refusalText(resize);
    if (!allowsExpansion(sc)) {
      if (refusal === undefined)
        c.fail('mismatch', `growing claim storage-life to ${grown} was accepted though class ${className(sc)} does not allow expansion`, {
          likelyCause: 'the PersistentVolumeClaimResize admission plugin is disabled',
        });
      lines.push(`resize to ${grown} refused, as class ${className(sc)} does not allow expansion (${refusal})`);
    } else {
      if (refusal !== undefined)
        c.fail('mismatch', `growing claim storage-life to ${grown} was refused though class ${className(sc)} allows expansion: ${refusal}`);
      const expanded = await watchObject<V1PersistentVolumeClaim>(
        env.connection,
        { path: collections.claims(env.namespace), name: 'storage-life' },
        (claim) => (parseQuantity(claim.status?.capacity?.storage) ?? 0) >= (parseQuantity(grown) ?? 0),
        { timeoutMs: env.boundMs, signal: c.signal },
      );
      if (!expanded.ok) {
        c.fail(
          'timeout',
          `class ${className(sc)} allows expansion, the resize to ${grown} was accepted, but the claim's capacity is still ${expanded.value?.status?.capacity?.storage ?? '?'} after ${seconds(expanded.elapsedMs)}`,
          {
            likelyCause: `the provisioner ${sc.provisioner} (its resizer) does not expand volumes`,
          },
        );
      }
      lines.push(`resized to ${grown} in ${seconds(expanded.elapsedMs)} (class allows expansion)`);
    }
    // Reclaim: the pod goes, then the claim.
    const pvName = p.pv.metadata?.name ?? '';
    const policy = p.pv.spec?.persistentVolumeReclaimPolicy ?? reclaimPolicyOf(sc);
    if (policy === 'Retain') {
      // Ours from now on: labelled with the run before it can be left behind.
      const pv = await core.readPersistentVolume({ name: pvName });
      await core.replacePersistentVolume({
        name: pvName,
        body: { ...pv, metadata: { ...pv.metadata, labels: { ...pv.metadata?.labels, ...runLabels(env.runId, 'retained') } } },
      });
    }
    await removePod(env, 'storage-life-writer');
    await waitPodGone(c, env, 'storage-life-writer');
    await removeClaim(env, 'storage-life');
    const deleted = performance.now();
    const reclaimed =
      policy === 'Delete'
        ? await waitGone<V1PersistentVolume>(env.connection, { path: collections.volumes(), name: pvName }, { timeoutMs: env.boundMs, signal: c.signal })
        : await watchObject<V1PersistentVolume>(env.connection, { path: collections.volumes(), name: pvName }, (pv) => pv.status?.phase === 'Released', {
            timeoutMs: env.boundMs,
            signal: c.signal,
          });
    const ms = performance.now() - deleted;
    if (!reclaimed.ok) {
      const finding = await provisionerFinding(env, sc.provisioner).catch(() => undefined);
      c.fail(
        'timeout',
        `claim deleted, but PV ${pvName} (reclaim ${policy}) is still ${reclaimed.value?.status?.phase ?? 'there'} after ${seconds(ms)}${reclaimed.value?.status?.message ? `: ${reclaimed.value.status.message}` : ''}`,
        {
          evidence: finding === undefined ? [] : [{ label: `provisioner ${sc.provisioner}`, text: findingLines(finding).join('\n') }],
          likelyCause:
            policy === 'Delete'
              ? `the provisioner ${sc.provisioner} did not delete the volume (see its state; a PV stuck Released or Failed shows why)`
              : 'the PV controller did not release the PV',
        },
      );
    }
    if (policy === 'Retain') await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    c.property(`storage.${className(sc)}.reclaim-ms`, String(Math.round(ms)));
    lines.push(
      policy === 'Delete'
        ? `claim deleted: PV ${pvName} deleted after ${seconds(ms)} (reclaim Delete)`
        : `claim deleted: PV ${pvName} Released after ${seconds(ms)} (reclaim Retain), then deleted by the suite`,
    );
    c.note(`class ${className(sc)}: ${lines.join('; ')}`);
  });

  check(manifest.check.stuckVolumes, async (c) => {
    const { session } = await c.cluster();
    const now = Date.now();
    const [pvs, claims] = await Promise.all([session.clients.core.listPersistentVolume(), session.clients.core.listPersistentVolumeClaimForAllNamespaces()]);
    const since = (t: Date | undefined) => (t === undefined ? Number.POSITIVE_INFINITY : now - new Date(t).getTime());
    const left = pvs.items.filter(
      (pv) =>
        (pv.status?.phase === 'Released' || pv.status?.phase === 'Failed') &&
        pv.metadata?.labels?.[MANAGED_BY_LABEL] === undefined &&
        since(pv.status?.lastPhaseTransitionTime) > STUCK_MS &&
        pv.spec?.claimRef?.namespace !== c.run.namespace,
    );
    const stuck = claims.items.filter((claim) => claim.metadata?.deletionTimestamp !== undefined && since(claim.metadata.deletionTimestamp) > STUCK_MS);
    const lines = [
      ...left.map(
        (pv) =>
          `PV ${pv.metadata?.name} ${pv.status?.phase} (reclaim ${pv.spec?.persistentVolumeReclaimPolicy}, class ${pv.spec?.storageClassName || '""'}, was ${pv.spec?.claimRef?.namespace}/${pv.spec?.claimRef?.name})${pv.status?.message ? `: ${pv.status.message}` : ''}`,
      ),
      ...stuck.map(
        (claim) =>
          `claim ${claim.metadata?.namespace}/${claim.metadata?.name} Terminating for ${Math.round(since(claim.metadata?.deletionTimestamp) / 60_000)} min, finalizers ${names(claim.metadata?.finalizers ?? [])}${claim.status?.phase === 'Bound' ? ` (bound to ${claim.spec?.volumeName})` : ''}`,
      ),
    ];
    if (lines.length > 0) {
      c.evidence('left behind', lines.join('\n'));
      c.warn(`${left.length} PV(s) left Released or Failed and ${stuck.length} claim(s) stuck Terminating`, {
        likelyCause:
          stuck.length > 0
            ? "a claim stays Terminating while a pod still uses it (kubernetes.io/pvc-protection) or a finalizer's controller is gone"
            : 'PVs with reclaim Retain keep their data after the claim is gone until someone deletes them; a Failed PV is one its provisioner could not delete',
      });
    }
    c.note(`no PV left Released among ${pvs.items.length}, no claim stuck Terminating among ${claims.items.length}`);
  });
});
