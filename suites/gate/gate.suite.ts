// The pre-upgrade gate: is it safe to upgrade this cluster to --target-version? Read-only: it
// creates nothing. Each check judges one kind of finding with pure functions (deprecated.ts,
// skew.ts, drains.ts, webhooks.ts, runway.ts) over what it reads; without a target every check is
// skipped with that reason, so a plain `shakedown run` reports the gate as skipped, honestly.
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { apiServerLeases, componentLease, nodeLeases } from '../../helpers/kube/leases.ts';
import {
  getJson,
  listOrAbsent,
  ReadError,
  slicesOf,
  type ApiService,
  type ConfigMap,
  type Crd,
  type EndpointSlice,
  type Service,
  type WebhookConfiguration,
} from '../lib/api-json.ts';
import { failedLines, healthEvidence, likelyCauseOf, parseHealth } from '../../helpers/kube/apiserver-health.ts';
import { judgeLeaderLease, nodeHealth, nodeLine, nodeProblems } from '../lib/heartbeats.ts';
import { imageTag } from '../lib/image-tag.ts';
import { judgeUse, readDeprecated, windowText } from './deprecated.ts';
import { drainBlocks, perNode, type Pdb, type Pod } from './drains.ts';
import manifest, { NO_TARGET } from './manifest.ts';
import { getText, servedChain } from './read.ts';
import { REMOVALS, REMOVALS_SOURCE, groupVersionOf, removedBy } from './removals.ts';
import { heldFromPem, judgeRunway, type Held } from './runway.ts';
import { judgeSkew, type Versioned } from './skew.ts';
import { minorText, parseMinor, type Minor } from './version.ts';
import { judgeWebhook, webhooksOf, type Behind } from './webhooks.ts';
import { kubeadmUpgradeCheck } from './kubeadm-check.ts';

function targetOf(c: CheckContext): Minor {
  const { targetVersion } = suiteOptions(c.run, manifest);
  if (targetVersion === undefined) c.skip(NO_TARGET);
  const target = parseMinor(targetVersion);
  if (target === undefined) c.skip(`--target-version ${targetVersion} is not a Kubernetes version`);
  return target;
}

type CrdVersions = Crd & {
  spec: { group: string; names: { plural: string }; versions?: { name: string; deprecated?: boolean; served?: boolean }[] };
  status?: { storedVersions?: string[] };
};

interface NodeJson {
  metadata: { name: string };
  status?: { nodeInfo?: { kubeletVersion?: string; kubeProxyVersion?: string } };
}

const CONTROL_PLANE_PODS: Record<string, Versioned['component']> = {
  'kube-controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  'kube-apiserver': 'kube-apiserver',
};

defineSuite(manifest, () => {
  check(manifest.check.deprecatedApisInUse, async (c) => {
    const target = targetOf(c);
    const { session } = await c.cluster();
    const text = await getText(session.connection, '/metrics', c.signal);
    const reading = readDeprecated(text, Date.now());
    const instances = (await apiServerLeases(session.clients.coordination))?.length;
    const judged = reading.uses
      .map((use) => judgeUse(use, target))
      .sort((a, b) => (a.level === b.level ? b.use.requests - a.use.requests : a.level === 'removed' ? -1 : 1));
    const from = `GET /metrics of the API server behind ${session.server}, ${windowText(reading.windowS)}${instances !== undefined && instances > 1 ? `; ${instances} API server instances announce themselves and only this one was read: requests served by the others are not counted` : ''}`;
    c.evidence(
      'source',
      `${from}\nremoval table: suites/gate/removals.ts, from ${REMOVALS_SOURCE}\nhow sure: the API server counted these requests itself (high); who made them is in its audit log (user agent), not in the metric`,
    );
    c.evidence(
      'deprecated APIs requested',
      judged.length === 0 ? 'none' : judged.map((j) => `${j.level === 'removed' ? 'FAIL' : 'WARN'} ${j.line}`).join('\n'),
    );
    const removed = judged.filter((j) => j.level === 'removed');
    const cause =
      'a client (controller, operator, CI job, kubectl plugin) still calls the old API version: find it in the audit log by user agent and move it to the replacement';
    if (removed.length > 0)
      c.fail(
        'mismatch',
        `${removed.length} API(s) in use are no longer served by ${minorText(target)}: ${removed.map((j) => j.line.split(':')[0]).join(', ')}`,
        { likelyCause: cause },
      );
    if (judged.length > 0)
      c.warn(`${judged.length} deprecated API(s) in use, none removed by ${minorText(target)}: ${judged.map((j) => j.line.split(':')[0]).join(', ')}`, {
        likelyCause: cause,
      });
    c.note(`no deprecated API requested ${windowText(reading.windowS)}`);
  });

  check(manifest.check.storedVersions, async (c) => {
    const target = targetOf(c);
    const { session } = await c.cluster();
    const groups = await getJson<{ groups?: { versions?: { groupVersion: string }[] }[] }>(session.connection, '/apis', c.signal);
    const served = new Set((groups.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion)));
    const lines: string[] = [];
    const holding: string[] = [];
    for (const entry of REMOVALS.filter((e) => removedBy(e.removedIn, target) && served.has(groupVersionOf(e.group, e.version)))) {
      for (const resource of entry.resources) {
        const gv = groupVersionOf(entry.group, entry.version);
        try {
          const list = await getJson<{ items?: unknown[] }>(session.connection, `/apis/${gv}/${resource}?limit=1`, c.signal);
          const some = (list.items ?? []).length > 0;
          lines.push(`${gv} ${resource}: served, removed in ${entry.removedIn}: ${some ? 'holds objects' : 'empty'}`);
          if (some) holding.push(`${gv} ${resource} (move to ${entry.replacement})`);
        } catch (error) {
          if (error instanceof ReadError && error.status === 404) continue;
          lines.push(`${gv} ${resource}: served, removed in ${entry.removedIn}: cannot tell (${(error as Error).message})`);
        }
      }
    }
    const crds = (await listOrAbsent<CrdVersions>(session.connection, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', c.signal)) ?? [];
    const crdStored: string[] = [];
    const crdLines: string[] = [];
    for (const crd of crds) {
      const stored = crd.status?.storedVersions ?? [];
      for (const version of crd.spec.versions ?? []) {
        if (version.deprecated !== true || !stored.includes(version.name)) continue;
        const where = `CRD ${crd.metadata.name} version ${version.name} (deprecated, in status.storedVersions ${stored.join(', ')})`;
        if (version.served !== true) {
          crdLines.push(`${where}: not served, objects cannot be listed through it`);
          continue;
        }
        try {
          const list = await getJson<{ items?: unknown[] }>(
            session.connection,
            `/apis/${crd.spec.group}/${version.name}/${crd.spec.names.plural}?limit=1`,
            c.signal,
          );
          const some = (list.items ?? []).length > 0;
          crdLines.push(`${where}: ${some ? 'holds objects' : 'no objects'}`);
          if (some) crdStored.push(`${crd.spec.names.plural}.${crd.spec.group}/${version.name}`);
        } catch (error) {
          crdLines.push(`${where}: cannot tell (${(error as Error).message})`);
        }
      }
    }
    c.evidence(
      'served built-in versions the target removes',
      lines.length === 0
        ? `none served (checked ${REMOVALS.filter((e) => removedBy(e.removedIn, target)).length} table entries removed by ${minorText(target)} against GET /apis)`
        : lines.join('\n'),
    );
    c.evidence('CRD versions', crdLines.length === 0 ? `no deprecated CRD version in storedVersions among ${crds.length} CRD(s)` : crdLines.join('\n'));
    if (holding.length > 0)
      c.fail('mismatch', `objects are stored in ${holding.length} API version(s) ${minorText(target)} no longer serves: ${holding.join(', ')}`, {
        likelyCause:
          'these objects were written through the old version; they stay readable through the replacement, but manifests and clients that use the old version break',
      });
    if (crdStored.length > 0)
      c.warn(`objects are stored in ${crdStored.length} deprecated CRD version(s): ${crdStored.join(', ')}`, {
        likelyCause:
          'the CRD owner deprecated the version, but objects were written while it was the storage version and no storage version migration has run since: migrate them before the owner stops serving it',
      });
    c.note(`no objects in versions ${minorText(target)} removes; ${crds.length} CRD(s) checked`);
  });

  check(manifest.check.versionSkew, async (c) => {
    const target = targetOf(c);
    const { session } = await c.cluster();
    const apiServer = (await session.clients.version.getCode()).gitVersion;
    const nodes = await getJson<{ items: NodeJson[] }>(session.connection, '/api/v1/nodes', c.signal);
    const components: Versioned[] = [];
    for (const node of nodes.items) {
      const info = node.status?.nodeInfo;
      if (info?.kubeletVersion) components.push({ component: 'kubelet', where: node.metadata.name, version: info.kubeletVersion });
      if (info?.kubeProxyVersion && info.kubeProxyVersion !== 'v0.0.0')
        components.push({ component: 'kube-proxy', where: node.metadata.name, version: info.kubeProxyVersion });
      if (info?.kubeletVersion) c.property(`gate.kubelet-version.${node.metadata.name}`, info.kubeletVersion);
    }
    const pods = await getJson<{ items: (Pod & { spec: { containers?: { image?: string }[] } })[] }>(
      session.connection,
      '/api/v1/namespaces/kube-system/pods',
      c.signal,
    );
    for (const pod of pods.items) {
      const labels = pod.metadata.labels ?? {};
      const component = CONTROL_PLANE_PODS[labels.component ?? ''] ?? (labels['k8s-app'] === 'kube-proxy' ? 'kube-proxy' : undefined);
      const tag = imageTag(pod.spec.containers?.[0]?.image ?? '');
      if (component !== undefined && tag !== undefined)
        components.push({ component, where: `${pod.metadata.name} on ${pod.spec.nodeName ?? '?'}`, version: tag });
    }
    c.property('gate.target-version', minorText(target));
    c.property('gate.apiserver-version', apiServer);
    const { findings, lines } = judgeSkew(
      apiServer,
      target,
      components.filter((v) => v.component !== 'kube-apiserver'),
    );
    c.evidence(
      'versions',
      [
        ...lines,
        ...(components.some((v) => v.component === 'kube-proxy')
          ? []
          : ['kube-proxy: no version in node status (deprecated field) and no kube-proxy pods: not judged']),
      ].join('\n'),
    );
    c.evidence('policy', 'https://kubernetes.io/releases/version-skew-policy/');
    const fails = findings.filter((f) => f.level === 'fail');
    if (fails.length > 0)
      c.fail('mismatch', `${fails.length} skew problem(s) for ${minorText(target)}: ${fails[0]?.text}`, {
        evidence: [{ label: 'skew problems', text: findings.map((f) => `${f.level.toUpperCase()} ${f.text}`).join('\n') }],
        likelyCause: 'the upgrade would break the version skew policy: upgrade the named components first, one minor at a time',
      });
    if (findings.length > 0) c.warn(findings.map((f) => f.text).join('; '));
    const kubelets = [...new Set(components.filter((v) => v.component === 'kubelet').map((v) => v.version))];
    c.note(`API server ${apiServer} -> ${minorText(target)}; kubelets ${kubelets.join(', ') || 'unknown'} stay within the policy`);
  });

  check(manifest.check.kubeadm, async (c) => kubeadmUpgradeCheck(c, targetOf(c)));

  check(manifest.check.drains, async (c) => {
    targetOf(c);
    const { session } = await c.cluster();
    const [pods, pdbs, nodes] = await Promise.all([
      getJson<{ items: Pod[] }>(session.connection, '/api/v1/pods', c.signal),
      getJson<{ items: Pdb[] }>(session.connection, '/apis/policy/v1/poddisruptionbudgets', c.signal),
      getJson<{ items: NodeJson[] }>(session.connection, '/api/v1/nodes', c.signal),
    ]);
    const blocks = drainBlocks(pods.items, pdbs.items);
    const names = nodes.items.map((n) => n.metadata.name).sort();
    c.evidence('per node', perNode(blocks, names).join('\n'));
    if (blocks.length > 0) c.evidence('pods', blocks.map((b) => b.text).join('\n'));
    const held = blocks.filter((b) => b.kind === 'pdb');
    if (held.length > 0) {
      c.fail(
        'mismatch',
        `draining ${[...new Set(held.map((b) => b.node))].join(', ')} will hang: ${held.map((b) => b.text.slice(b.node.length + 2).split(':')[0] + ' (' + (/PDB (\S+)/.exec(b.text)?.[1] ?? 'a PDB') + ')').join(', ')}`,
        {
          likelyCause:
            'a PodDisruptionBudget allows no disruption (a single replica, or minAvailable equal to the replicas): scale the workload up or relax the budget before draining',
          reproduce: `kubectl get pdb -A; kubectl drain ${held[0]?.node} --ignore-daemonsets --dry-run=server`,
        },
      );
    }
    if (blocks.length > 0)
      c.warn(
        `${blocks.length} pod(s) need drain flags: ${blocks.filter((b) => b.kind === 'bare').length} without a controller (--force), ${blocks.filter((b) => b.kind === 'emptydir').length} with emptyDir data (--delete-emptydir-data)`,
        { reproduce: `kubectl drain ${blocks[0]?.node} --ignore-daemonsets --dry-run=server` },
      );
    c.note(`${names.length} node(s) drain cleanly; ${pdbs.items.length} PDB(s) allow disruptions`);
  });

  check(manifest.check.webhooks, async (c) => {
    targetOf(c);
    const { session } = await c.cluster();
    const base = '/apis/admissionregistration.k8s.io/v1';
    const [validating, mutating] = await Promise.all([
      getJson<{ items: WebhookConfiguration[] }>(session.connection, `${base}/validatingwebhookconfigurations`, c.signal),
      getJson<{ items: WebhookConfiguration[] }>(session.connection, `${base}/mutatingwebhookconfigurations`, c.signal),
    ]);
    const hooks = webhooksOf(validating.items, mutating.items);
    const verdicts = await Promise.all(
      hooks.map(async (hook) => {
        if (hook.service === undefined) return judgeWebhook(hook, undefined);
        let behind: Behind;
        try {
          await getJson<Service>(session.connection, `/api/v1/namespaces/${hook.service.namespace}/services/${hook.service.name}`, c.signal);
          const slices = (await getJson<{ items: EndpointSlice[] }>(session.connection, slicesOf(hook.service.namespace, hook.service.name), c.signal)).items;
          const endpoints = slices.flatMap((s) => s.endpoints ?? []);
          behind = {
            ready: endpoints.filter((e) => e.conditions?.ready !== false).length,
            notReady: endpoints.filter((e) => e.conditions?.ready === false).length,
          };
        } catch (error) {
          if (!(error instanceof ReadError && error.status === 404)) throw error;
          behind = undefined;
        }
        return judgeWebhook(hook, behind);
      }),
    );
    c.evidence('webhooks', verdicts.length === 0 ? 'no admission webhooks' : verdicts.map((v) => `${v.level === 'fail' ? 'FAIL ' : ''}${v.line}`).join('\n'));
    const blocking = verdicts.filter((v) => v.level === 'fail');
    if (blocking.length > 0) {
      c.fail('refused', `${blocking.length} webhook(s) will refuse every request they match: ${blocking.map((v) => v.hook.name).join(', ')}`, {
        likelyCause:
          'the webhook backend is down or its Service selects no ready pod; with failurePolicy Fail, the pods a drain recreates and the objects an upgrade rewrites are refused',
        reproduce: `kubectl get endpointslices -n ${blocking[0]?.hook.service?.namespace} -l kubernetes.io/service-name=${blocking[0]?.hook.service?.name}`,
      });
    }
    c.note(`${hooks.length} webhook(s), none blocking`);
  });

  check(manifest.check.certificateRunway, async (c) => {
    targetOf(c);
    const { runwayDays } = { runwayDays: suiteOptions(c.run, manifest).certRunwayDays };
    const { session } = await c.cluster();
    const held: Held[] = [];
    const readCm = async (name: string) => {
      try {
        return await getJson<ConfigMap>(session.connection, `/api/v1/namespaces/kube-system/configmaps/${name}`, c.signal);
      } catch (error) {
        if (error instanceof ReadError && error.status === 404) return undefined;
        throw error;
      }
    };
    const root = await readCm('kube-root-ca.crt');
    held.push(heldFromPem('ConfigMap kube-system/kube-root-ca.crt (cluster CA)', root?.data?.['ca.crt']));
    const auth = await readCm('extension-apiserver-authentication');
    if (auth !== undefined) {
      held.push(heldFromPem('client CA (extension-apiserver-authentication client-ca-file)', auth.data?.['client-ca-file']));
      held.push(heldFromPem('front-proxy CA (extension-apiserver-authentication requestheader-client-ca-file)', auth.data?.['requestheader-client-ca-file']));
    }
    try {
      held.push({ where: `API server ${session.server} (served to the runner)`, certs: await servedChain(session.server) });
    } catch (error) {
      c.log(`API server chain not read: ${(error as Error).message}`);
    }
    const base = '/apis/admissionregistration.k8s.io/v1';
    for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
      for (const config of (await getJson<{ items: WebhookConfiguration[] }>(session.connection, `${base}/${kind}`, c.signal)).items) {
        for (const hook of config.webhooks ?? [])
          if (hook.clientConfig.caBundle)
            held.push(heldFromPem(`caBundle of webhook ${hook.name}`, Buffer.from(hook.clientConfig.caBundle, 'base64').toString()));
      }
    }
    for (const api of (await listOrAbsent<ApiService>(session.connection, '/apis/apiregistration.k8s.io/v1/apiservices', c.signal)) ?? []) {
      if (api.spec.caBundle) held.push(heldFromPem(`caBundle of APIService ${api.metadata.name}`, Buffer.from(api.spec.caBundle, 'base64').toString()));
    }
    const { short, lines } = judgeRunway(held, new Date(), runwayDays);
    c.evidence('certificates', lines.join('\n') || 'none read');
    c.evidence(
      'scope',
      'kubelet serving certificates and TLS Secrets are judged by the certificates suite (it dials every kubelet from the probe fleet); the gate reads only what needs no pod',
    );
    if (short.length > 0) {
      c.fail('expired', `${short.length} certificate(s) have less than --cert-runway-days ${runwayDays} left; first: ${short[0]?.text}`, {
        likelyCause: 'renew them before the upgrade (kubeadm certs renew, or the tool that issued them); a CA needs a planned rotation',
      });
    }
    c.note(`${lines.length} certificate(s) with at least ${runwayDays} days left`);
  });

  check(manifest.check.controlPlaneHealthy, async (c) => {
    targetOf(c);
    const { session } = await c.cluster();
    const response = await session.connection.send({ method: 'GET', path: '/readyz?verbose', timeoutMs: 8000, signal: c.signal });
    const readyz = parseHealth('/readyz?verbose', response.status, response.text);
    const [scheduler, controllers, leases, nodes] = await Promise.all([
      componentLease(session.clients.coordination, 'kube-scheduler'),
      componentLease(session.clients.coordination, 'kube-controller-manager'),
      nodeLeases(session.clients.coordination),
      session.clients.core.listNode(),
    ]);
    const leaders = [judgeLeaderLease('kube-scheduler', scheduler), judgeLeaderLease('kube-controller-manager', controllers)];
    const health = nodes.items.map((node) => nodeHealth(node, leases?.get(node.metadata?.name ?? '')));
    const problems = nodeProblems(health);
    c.evidence('API server', healthEvidence(readyz));
    c.evidence('leaders', leaders.map((l) => l.text).join('\n'));
    c.evidence('nodes', health.map(nodeLine).join('\n'));
    const failed = [
      ...failedLines(readyz).map((l) => ({ text: `API server readyz: ${l.name} failed`, cause: likelyCauseOf(l.name) })),
      ...(readyz.passed
        ? []
        : failedLines(readyz).length === 0
          ? [{ text: `API server /readyz answered HTTP ${readyz.httpStatus}`, cause: 'the API server is not ready' }]
          : []),
      ...leaders.flatMap((l) => (l.kind === 'stale' ? [{ text: l.text, cause: l.likelyCause }] : [])),
      ...problems.map((p) => ({ text: p.text, cause: p.likelyCause })),
    ];
    if (failed.length > 0)
      c.fail('mismatch', `the control plane is not healthy, fix it before upgrading: ${failed.map((f) => f.text).join('; ')}`, {
        likelyCause: [...new Set(failed.map((f) => f.cause))].join('; '),
      });
    c.note(
      `API server ready, leaders held, ${health.length} node(s) Ready with fresh heartbeats (the control-plane suite judges each component by what it does)`,
    );
  });
});
