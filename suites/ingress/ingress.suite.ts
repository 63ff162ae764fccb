// Ingress and Gateway API: first the inventory (classes, controllers, dialects), then the entry
// point, then one route table per dialect present (routing under the Ingress spec, ingress-nginx
// annotations, Gateway API filters), the certificate served for the suite's own TLS host, the
// propagation time of every route, and (opt-in) the served certificates of the cluster's own
// Ingresses. The backends are two agent pods of the suite's own namespace; every object the suite
// makes lives there. Tables are data (ingress-cases.ts), judged in ingress-table.ts.
import { afterAll } from 'vitest';
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { defineFixtures, fixture } from '../../helpers/fixtures/fixture.ts';
import { ownPods, type OwnPods } from '../../helpers/fixtures/own-pods.ts';
import { poll } from '../../helpers/wait/poll.ts';
import { matrixAgents } from '../../helpers/fleet/plan.ts';
import type { Evidence, Origin } from '../../helpers/result.ts';
import {
  GATEWAY_REWRITES,
  hostOf,
  KNOWN_DEVIATIONS,
  NGINX_REWRITES,
  requestHost,
  ROUTING,
  type Backend,
  type KnownDeviation,
  type RequestCase,
  type RouteTable,
} from './ingress-cases.ts';
import { entryCandidates, inClusterEntry } from './ingress-entry.ts';
import { inventoryText, type Inventory } from './ingress-inventory.ts';
import { callEntry, describeCert, servedCertificate, type EntryPoint, type Served } from './ingress-probe.ts';
import { runTable } from './ingress-run.ts';
import { backendOf, describeSeen, formatTable, judge, percentile, type Row, type Seen } from './ingress-table.ts';
import { buildWorld, GW_GROUP, readInventory, servingControllers, TLS_GATEWAY_HOST, TLS_SECRET, type World } from './ingress-world.ts';
import manifest from './manifest.ts';
import { RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { existingTlsFindings, type ExistingHost } from './ingress-existing.ts';
import { certificateFindings, certificateText, certificateViews, type CertificateObject } from './ingress-certmanager.ts';
import { logTailEvidence } from '../../helpers/objects/pod-output.ts';

const options = (c: CheckContext) => suiteOptions(c.run, manifest);

// The certificate served for one TLS host, waited for: 3 right handshakes in a row, or the bound.
interface ServedWait {
  served: Served;
  // Apply -> the first of the 3 handshakes in a row (when the last one served the Secret's certificate).
  settledMs?: number;
}

// One run per key for the whole file: the first check that asks starts it, the others share it.
function perKey<V>(): (key: string, start: () => Promise<V>) => Promise<V> {
  const runs = new Map<string, Promise<V>>();
  return (key, start) => {
    let run = runs.get(key);
    if (run === undefined) {
      run = start();
      runs.set(key, run);
    }
    return run;
  };
}

const fixtures = defineFixtures({
  backends: ownPods('file', { suffix: 'ing', count: 2, purpose: 'ingress suite: the backends of its Ingresses and HTTPRoutes' }),
  inventory: fixture({ scope: 'file', setup: (_deps, c) => readInventory(c) }),
  // A world that failed to build is not built again (its objects would be made twice): every check
  // that needs it says the same reason.
  world: fixture({
    scope: 'file',
    deps: ['inventory', 'backends'],
    setup: async (deps, c): Promise<{ world: World } | { error: unknown }> => {
      const opts = options(c);
      return buildWorld(c, deps['inventory'] as Inventory, deps['backends'] as OwnPods, {
        ...(opts.address === undefined ? {} : { override: opts.address }),
        boundMs: opts.bound,
        probeMs: c.run.timeouts.probeMs,
      }).then(
        (world) => ({ world }),
        (error: unknown) => ({ error }),
      );
    },
  }),
  // Per route table id: the table run until it settles, shared by its own check and propagation.
  tables: fixture({ scope: 'file', setup: () => Promise.resolve(perKey<Row[]>()) }),
  // Per TLS host label: the handshakes until the Secret's certificate is served, shared by the TLS
  // checks and propagation (which awaits them, whichever check asks first).
  served: fixture({ scope: 'file', setup: () => Promise.resolve(perKey<ServedWait>()) }),
});

function inventory(c: CheckContext): Promise<Inventory> {
  return fixtures.within(c, (use) => use('inventory'));
}

async function world(c: CheckContext): Promise<World> {
  const built = await fixtures.within(c, (use) => use('world'));
  if ('error' in built) throw built.error;
  return built.world;
}

// The documented deviation of a controller of this world that this answer is, if any.
function knownDeviation(w: World, kase: RequestCase, seen: Seen | undefined): KnownDeviation | undefined {
  if (seen === undefined || kase.level !== 'spec') return undefined;
  const products = new Set(servingControllers(w.inventory).map((ctl) => ctl.product));
  return KNOWN_DEVIATIONS.find((d) => products.has(d.product) && d.host === kase.host && d.path === kase.path && backendOf(seen, w.pods) === d.seen);
}

async function table(c: CheckContext, w: World, entry: EntryPoint, spec: RouteTable): Promise<Row[]> {
  const tables = await fixtures.within(c, (use) => use('tables'));
  const timeoutMs = Math.min(c.run.timeouts.probeMs, 5000);
  return tables(spec.id, () =>
    runTable(
      spec,
      (kase) =>
        callEntry(entry, {
          host: requestHost(kase, w.domain),
          path: kase.path,
          ...(kase.headers === undefined ? {} : { headers: kase.headers }),
          timeoutMs,
          signal: c.signal,
        }),
      {
        domain: w.domain,
        pods: w.pods,
        appliedAt: w.appliedAt,
        deadline: w.appliedAt + options(c).bound,
        signal: c.signal,
        known: (kase, seen) => knownDeviation(w, kase, seen) !== undefined,
      },
    ),
  );
}

// The handshakes for one TLS host of the suite until the Secret's certificate is served 3 times in
// a row (the first of them is when it settled), or the routes' bound passes.
async function servedFor(c: CheckContext, w: World, entry: EntryPoint & { httpsPort: number }, label: string): Promise<ServedWait> {
  const served = await fixtures.within(c, (use) => use('served'));
  return served(label, async () => {
    const host = hostOf(label, w.domain);
    const wanted = w.leaf.cert.fingerprint256;
    const started = performance.now();
    const polled = await poll(
      () => servedCertificate(entry.address, entry.httpsPort, host, 5000, c.signal),
      (s) => s.chain[0]?.fingerprint256 === wanted,
      {
        deadline: w.appliedAt + options(c).bound,
        consecutive: 3,
        intervalMs: 250,
        signal: c.signal,
      },
    );
    const right = polled.value.chain[0]?.fingerprint256 === wanted;
    return { served: polled.value, ...(right ? { settledMs: started + (polled.settledMs ?? polled.elapsedMs) - w.appliedAt } : {}) };
  });
}

// The TLS hosts the TLS checks judge in this world (the dialect that makes each present).
function tlsHosts(w: World): string[] {
  return [
    ...(w.inventory.absent.ingress === undefined ? ['tls'] : []),
    ...(w.inventory.absent.gatewayApi === undefined && w.tlsGateway !== undefined ? [TLS_GATEWAY_HOST] : []),
  ];
}

const controllersText = (w: World) =>
  servingControllers(w.inventory)
    .map((ctl) => `${ctl.product} ${ctl.version} (${ctl.kind} ${ctl.namespace}/${ctl.name}, ${ctl.ready}/${ctl.desired} ready)`)
    .join(', ') || 'no controller found';

// When a controller of the dialects under test has no ready pod, it is the one origin of every
// failure of the suite: reporters group them under it.
function downOrigin(inv: Inventory): Origin | undefined {
  const down = servingControllers(inv).filter((ctl) => ctl.ready === 0);
  const first = down[0];
  if (first === undefined) return undefined;
  return {
    dimension: 'component',
    value: first.name,
    summary: `the ${first.product} controller (${first.kind} ${first.namespace}/${first.name}) has no ready pod: no route can answer`,
    confidence: 'high',
  };
}

// The controller's pods (tracked: state and events) and their log tails, whatever their state.
async function controllerEvidence(c: CheckContext, w: World): Promise<Evidence[]> {
  const { core } = (await c.cluster()).session.clients;
  const out: Evidence[] = [];
  for (const pod of w.controllerPods.slice(0, 3)) {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    c.track({ kind: 'Pod', namespace, name });
    out.push(await logTailEvidence(core, { namespace, name }, { label: `log tail of controller pod ${namespace}/${name}` }));
  }
  if (w.controllerPods.length === 0) out.push({ label: 'controller pods', text: `none: ${controllersText(w)}` });
  return out;
}

async function routeStatusEvidence(c: CheckContext, w: World): Promise<Evidence[]> {
  const { networking, custom } = (await c.cluster()).session.clients;
  const lines: string[] = [];
  for (const name of w.ingresses) {
    c.track({ kind: 'Ingress', namespace: w.namespace, name });
    const ing = await networking.readNamespacedIngress({ namespace: w.namespace, name }).catch(() => undefined);
    const lb = ing?.status?.loadBalancer?.ingress?.map((i) => i.ip ?? i.hostname).join(',') ?? '';
    lines.push(`Ingress ${name} (class ${ing?.spec?.ingressClassName ?? '-'}): status.loadBalancer ${lb || 'empty'}`);
  }
  for (const name of w.routes) {
    c.track({ kind: 'HTTPRoute', namespace: w.namespace, name });
    const route = (await custom
      .getNamespacedCustomObject({ group: GW_GROUP, version: 'v1', namespace: w.namespace, plural: 'httproutes', name })
      .catch(() => undefined)) as
      | { status?: { parents?: { parentRef?: { name?: string }; conditions?: { type?: string; status?: string; reason?: string; message?: string }[] }[] } }
      | undefined;
    const parents = route?.status?.parents ?? [];
    lines.push(
      `HTTPRoute ${name}: ${parents.length === 0 ? 'no parent status (no controller has looked at it)' : parents.map((p) => `${p.parentRef?.name ?? '?'}: ${(p.conditions ?? []).map((cond) => `${cond.type}=${cond.status}${cond.status === 'True' ? '' : ` (${cond.reason ?? ''}: ${cond.message ?? ''})`}`).join(', ')}`).join('; ')}`,
    );
  }
  return [{ label: 'route status', text: lines.join('\n') }];
}

// Why a route table went wrong, from what the world knows.
async function likelyCause(c: CheckContext, w: World, rows: readonly Row[]): Promise<string> {
  const down = servingControllers(w.inventory).filter((ctl) => ctl.ready === 0);
  if (down.length > 0) return `the controller ${down.map((ctl) => `${ctl.product} (${ctl.kind} ${ctl.namespace}/${ctl.name})`).join(', ')} has no ready pod`;
  const answered = rows.filter((row) => !row.verdict.seen.startsWith('error') && !/^404\b/.test(row.verdict.seen));
  if (answered.length === 0)
    return `the controller (${controllersText(w)}) never routed these hosts: it does not watch namespace ${w.namespace}, does not serve the class, or rejected the objects (see its log and the route status)`;
  const charWise = rows.filter(
    (row) => row.kase.level === 'spec' && /element-wise|does not match \/trailer/.test(row.kase.why) && row.verdict.seen.startsWith('200'),
  );
  if (charWise.length > 0 && servingControllers(w.inventory).some((ctl) => ctl.product === 'Traefik')) {
    return `Traefik matches Prefix paths character by character unless its Ingress provider runs with --providers.kubernetesIngress.strictPrefixMatching=true (${charWise.map((row) => row.kase.path).join(', ')} matched a shorter prefix)`;
  }
  if (w.routes.length > 0 && rows.some((row) => row.kase.host === 'gw')) {
    const { custom } = (await c.cluster()).session.clients;
    const route = (await custom
      .getNamespacedCustomObject({ group: GW_GROUP, version: 'v1', namespace: w.namespace, plural: 'httproutes', name: w.routes[0] ?? '' })
      .catch(() => undefined)) as { status?: { parents?: { conditions?: { type?: string; status?: string; reason?: string }[] }[] } } | undefined;
    const bad = route?.status?.parents
      ?.flatMap((p) => p.conditions ?? [])
      .find((cond) => (cond.type === 'Accepted' || cond.type === 'ResolvedRefs') && cond.status !== 'True');
    if (bad !== undefined) return `the HTTPRoute is not ${bad.type} (${bad.reason ?? 'no reason'})`;
  }
  return `the controller (${controllersText(w)}) routes these requests differently from what the rule says`;
}

// What the differences say about the controller: a rewrite or redirect it did not apply at all
// (the annotation or filter is not supported), else semantics of its own.
function differenceCause(spec: RouteTable, rows: readonly Row[]): string {
  const what = spec.dialect === 'ingress-nginx' ? 'ingress-nginx annotations' : 'extended Gateway API features';
  const ignored = rows.filter((row) => {
    const expect = row.kase.expect;
    if (expect.kind === 'redirect') return row.seen?.status === 200;
    return expect.kind === 'backend' && expect.path !== undefined && expect.path !== row.kase.path && row.seen?.echo?.path === row.kase.path;
  });
  if (ignored.length > 0)
    return `the controller does not apply ${ignored.map((row) => `${row.kase.why.split(':')[0] ?? ''} (${row.kase.host} ${row.kase.path})`).join(', ')}: the annotation or filter is not supported by it, so the request passes unchanged`;
  return `the controller implements the ${what} differently; routes that rely on the expected behaviour will break when moved to it`;
}

// The same table asked once from a probe pod through the in-cluster entry (the controller's
// ClusterIP): the cases whose answer differs from the runner's, re-asked once before they count.
// Rows the cluster answers differently are asked once more from both sides: a row the runner now
// answers as the cluster does changed while the table settled (a controller programming one path of
// a host later than the others), and is judged again on that newer answer, not as a difference of
// paths. Returns the rows as judged last and what still differs.
async function fromCluster(
  c: CheckContext,
  w: World,
  entry: EntryPoint,
  rows: readonly Row[],
): Promise<{ via: string; rows: Row[]; differing: string[] } | undefined> {
  const agent = matrixAgents(c.run.fleet)[0];
  const inside = inClusterEntry(entryCandidates({ ingresses: [], pods: w.controllerPods, services: w.controllerServices, nodes: [] }));
  if (agent === undefined || inside === undefined) return undefined;
  const { transport } = await c.cluster();
  const host = inside.address.includes(':') ? `[${inside.address}]` : inside.address;
  const ask = async (asked: readonly Row[]): Promise<Seen[]> => {
    const response = await transport.probe(
      agent,
      asked.map((row, i) => ({
        kind: 'http' as const,
        id: String(i),
        url: `http://${host}:${inside.httpPort}${row.kase.path}`,
        hostHeader: requestHost(row.kase, w.domain),
        ...(row.kase.headers === undefined ? {} : { headers: { ...row.kase.headers } }),
        timeoutMs: Math.min(c.run.timeouts.probeMs, 5000),
      })),
      { signal: c.signal },
    );
    return response.results.map((result): Seen => {
      const http = result.http;
      if (http === undefined) return { error: result.detail };
      const location = http.headers.location;
      return { status: http.status, ...(location === undefined ? {} : { location }), ...(http.echo === undefined ? {} : { echo: http.echo }) };
    });
  };
  const judged = (row: Row, seen: Seen) => judge(row.kase, seen, w.pods, w.domain);
  const differs = (row: Row, seen: Seen | undefined) => seen === undefined || judged(row, seen).ok !== row.verdict.ok;
  const first = await ask(rows);
  const latest = [...rows];
  let suspects = rows.filter((row, i) => differs(row, first[i]));
  if (suspects.length > 0) {
    const timeoutMs = Math.min(c.run.timeouts.probeMs, 5000);
    const [again, runner] = await Promise.all([
      ask(suspects),
      Promise.all(
        suspects.map((row) =>
          callEntry(entry, {
            host: requestHost(row.kase, w.domain),
            path: row.kase.path,
            ...(row.kase.headers === undefined ? {} : { headers: row.kase.headers }),
            timeoutMs,
            signal: c.signal,
          }),
        ),
      ),
    ]);
    suspects = suspects.filter((row, i) => {
      const cluster = again[i];
      const now = runner[i] as Seen;
      if (cluster === undefined || !differs(row, cluster)) return false;
      if (judged(row, now).ok !== judged(row, cluster).ok) return true;
      latest[rows.indexOf(row)] = {
        kase: row.kase,
        seen: now,
        verdict: judged(row, now),
        ...(row.settledMs === undefined ? {} : { settledMs: row.settledMs }),
      };
      return false;
    });
  }
  const via = `probe pod ${agent.name}@${agent.node} -> ${inside.address}:${inside.httpPort} (${inside.via})`;
  return {
    via,
    rows: latest,
    differing: suspects.map(
      (row) =>
        `${requestHost(row.kase, w.domain)} ${row.kase.path}: from the runner ${row.verdict.seen}, from the cluster ${describeSeen(first[rows.indexOf(row)] ?? { error: 'no answer' }, w.pods)}`,
    ),
  };
}

async function noEntry(c: CheckContext, w: World): Promise<never> {
  const tried = w.tried.map((t) => `${t.entry.address}:${t.entry.httpPort} (${t.entry.via}): ${t.seen}`).join('\n');
  const origin = downOrigin(w.inventory);
  return c.fail('unreachable', 'no ingress entry point answered from the runner', {
    ...(origin === undefined ? {} : { origin }),
    evidence: [
      { label: 'entry points tried', text: tried || 'none found (no controller pod, Service or Ingress status to derive one from)' },
      ...(await controllerEvidence(c, w)),
    ],
    likelyCause:
      servingControllers(w.inventory).some((ctl) => ctl.ready === 0) || w.controllerPods.length === 0
        ? `the controller ${controllersText(w)} has no ready pod`
        : 'the entry point is unreachable from the runner (a firewall, no route to the node or LoadBalancer address); give it with --ingress-address',
  });
}

async function judgeTable(c: CheckContext, spec: RouteTable, skipReason: string | undefined): Promise<void> {
  if (skipReason !== undefined) return c.skip(skipReason);
  const w = await world(c);
  if (w.entry === undefined) return noEntry(c, w);
  const settledRows = await table(c, w, w.entry, spec);
  const inCluster = await fromCluster(c, w, w.entry, settledRows);
  const rows = inCluster?.rows ?? settledRows;
  const text = formatTable(rows, w.domain);
  const bad = rows.filter((row) => !row.verdict.ok);
  const known = bad.filter((row) => knownDeviation(w, row.kase, row.seen) !== undefined);
  const spec_ = bad.filter((row) => row.kase.level === 'spec' && !known.includes(row));
  const differences = bad.filter((row) => row.kase.level === 'dialect');
  const never = rows.every((row) => row.settledMs === undefined);
  const settled = rows.flatMap((row) => (row.settledMs === undefined ? [] : [row.settledMs]));
  const propagation =
    settled.length === 0 ? '' : `; propagation median ${(percentile(settled, 0.5) / 1000).toFixed(1)} s, max ${(Math.max(...settled) / 1000).toFixed(1)} s`;
  c.log(`table ${spec.id} through ${w.entry.address}:${w.entry.httpPort}:\n${text}`);
  if (inCluster !== undefined)
    c.evidence(
      'asked from inside the cluster too',
      `${inCluster.via}: ${inCluster.differing.length === 0 ? `the same ${rows.length} answers` : inCluster.differing.join('\n')}`,
    );
  if (inCluster !== undefined && inCluster.differing.length > 0) {
    c.fail('mismatch', `${inCluster.differing.length} of ${rows.length} requests are answered differently from inside the cluster than from the runner`, {
      evidence: [
        { label: `${spec.id} from the runner (${w.entry.address}:${w.entry.httpPort})`, text },
        { label: 'differing', text: inCluster.differing.join('\n') },
        ...(await controllerEvidence(c, w)),
      ],
      likelyCause:
        'the two entry points reach different controllers or configurations (another controller behind the Service, a second replica with stale configuration, or a proxy in front of the runner’s entry point)',
    });
  }
  if (spec_.length > 0 || (never && rows.length > 0)) {
    c.fail(
      spec_.length > 0 && spec_.every((row) => row.verdict.seen.startsWith('error')) ? 'unreachable' : 'mismatch',
      `${spec_.length > 0 ? spec_.length : rows.length} of ${rows.length} requests were not answered as the rule says`,
      {
        evidence: [
          { label: `${spec.id}: request, expected, seen (X = mismatch)`, text },
          { label: 'why each mismatching case', text: bad.map((row) => `${row.kase.host} ${row.kase.path}: ${row.kase.why}`).join('\n') },
          ...(await routeStatusEvidence(c, w)),
          ...(await controllerEvidence(c, w)),
        ],
        likelyCause: await likelyCause(c, w, bad),
        ...(downOrigin(w.inventory) === undefined ? {} : { origin: downOrigin(w.inventory) as Origin }),
      },
    );
  }
  if (known.length > 0 && differences.length === 0) {
    c.warn(
      `${known.length} of ${rows.length} requests deviate from the ${spec.dialect === 'gateway-api' ? 'Gateway API' : 'Ingress'} spec in a way ${controllersText(w)} documents as its own behaviour`,
      {
        evidence: [
          { label: `${spec.id}: request, expected, seen (X = mismatch)`, text },
          {
            label: 'known deviations',
            text: known
              .map(
                (row) =>
                  `${row.kase.host} ${row.kase.path}: ${row.kase.why}; seen ${row.verdict.seen}. ${knownDeviation(w, row.kase, row.seen)?.explanation ?? ''}`,
              )
              .join('\n'),
          },
        ],
        likelyCause: known.map((row) => knownDeviation(w, row.kase, row.seen)?.explanation ?? '').join('; '),
      },
    );
  }
  if (differences.length > 0) {
    c.warn(`${differences.length} of ${rows.length} requests differ from the ${spec.dialect} semantics: this is what ${controllersText(w)} does`, {
      evidence: [
        { label: `${spec.id}: request, expected (${spec.dialect} semantics), seen on this controller`, text },
        {
          label: 'what each difference means',
          text: differences.map((row) => `${row.kase.host} ${row.kase.path}: ${row.kase.why}; seen ${row.verdict.seen}`).join('\n'),
        },
      ],
      likelyCause: differenceCause(spec, differences),
    });
  }
  c.evidence(`${spec.id} as seen`, text);
  c.note(
    `${rows.length} requests answered as the rule says through ${w.entry.address}:${w.entry.httpPort}${inCluster === undefined ? '' : ` and the same from ${inCluster.via.split(' (')[0] ?? ''}`}${propagation}`,
  );
}

// The certificate served for one TLS host of the suite, waited for (3 right handshakes in a row),
// then judged: it is the Secret's, its chain verifies against the suite's CA, its SAN covers the
// host, it is not expired, and HTTPS reaches the backend. No SNI and an unknown SNI are reported.
async function tlsServed(
  c: CheckContext,
  w: World,
  entry: EntryPoint & { httpsPort: number },
  t: { label: string; backend: Backend; object: { kind: string; namespace: string; name: string }; what: string },
): Promise<void> {
  const host = hostOf(t.label, w.domain);
  const wanted = w.leaf.cert.fingerprint256;
  const deadline = w.appliedAt + options(c).bound;
  const { served, settledMs } = await servedFor(c, w, entry, t.label);
  const [noSni, otherSni] = await Promise.all([
    servedCertificate(entry.address, entry.httpsPort, undefined, 5000, c.signal),
    servedCertificate(entry.address, entry.httpsPort, hostOf('unknown', w.domain), 5000, c.signal),
  ]);
  const report = [
    `SNI ${host}: ${served.error ?? describeCert(served.chain[0])} (${served.chain.length} certificate(s) in the chain)`,
    `no SNI: ${noSni.error ?? describeCert(noSni.chain[0])}`,
    `unknown SNI: ${otherSni.error ?? describeCert(otherSni.chain[0])}`,
    `the Secret ${w.namespace}/${TLS_SECRET}: ${describeCert(w.leaf.cert)}, issued by the suite's CA ${w.ca.cert.subject}`,
  ].join('\n');
  c.evidence('certificates served', report);
  const leaf = served.chain[0];
  if (leaf === undefined || leaf.fingerprint256 !== wanted || settledMs === undefined) {
    c.track(t.object);
    return c.fail(
      served.error === undefined ? 'tls-error' : 'unreachable',
      `for SNI ${host} the entry point served ${served.error === undefined ? describeCert(leaf) : `nothing (${served.error})`}, not the certificate of Secret ${w.namespace}/${TLS_SECRET}`,
      {
        evidence: [...(await routeStatusEvidence(c, w)), ...(await controllerEvidence(c, w))],
        likelyCause: servingControllers(w.inventory).some((ctl) => ctl.ready === 0)
          ? `the controller ${controllersText(w)} has no ready pod`
          : `the controller did not load Secret ${w.namespace}/${TLS_SECRET} for ${host} and serves its fallback certificate (Secret missing, in another namespace, unreadable by the controller, or its certificate does not match its key)`,
      },
    );
  }
  const problems: string[] = [];
  const chainCa = served.chain.find((cert) => cert.fingerprint256 === w.ca.cert.fingerprint256) ?? w.ca.cert;
  if (!(leaf.checkIssued(chainCa) && leaf.verify(chainCa.publicKey))) problems.push('the served leaf does not verify against the suite CA');
  if (!served.chain.some((cert) => cert.fingerprint256 === w.ca.cert.fingerprint256))
    problems.push('the CA certificate of the Secret’s chain (tls.crt holds leaf + CA) is not served');
  if (leaf.checkHost(host) === undefined) problems.push(`the SAN ${leaf.subjectAltName ?? 'none'} does not cover ${host}`);
  const daysLeft = (new Date(leaf.validTo).getTime() - Date.now()) / 86_400_000;
  if (daysLeft <= 0) problems.push(`expired ${leaf.validTo}`);
  // The route behind the certificate may be programmed a moment after it: 3 right answers in a row.
  const overTls = await runTable(
    {
      id: 'routing',
      dialect: 'ingress',
      requests: [{ host: t.label, path: '/over-tls', expect: { kind: 'backend', backend: t.backend }, why: 'HTTPS reaches the backend', level: 'spec' }],
    },
    (kase) => callEntry(entry, { host: requestHost(kase, w.domain), path: kase.path, scheme: 'https', timeoutMs: 5000, signal: c.signal }),
    { domain: w.domain, pods: w.pods, appliedAt: w.appliedAt, deadline: Math.max(deadline, performance.now() + 10_000), signal: c.signal, scheme: 'https' },
  );
  const https = overTls[0]?.seen ?? { error: 'not asked' };
  if (overTls[0]?.verdict.ok !== true)
    problems.push(
      `HTTPS GET ${host}/over-tls answered ${https.error ?? `${https.status ?? '?'} from ${backendOf(https, w.pods) ?? 'no backend of this run'}`}, expected ${t.backend}`,
    );
  if (problems.length > 0)
    c.fail('tls-error', problems.join('; '), {
      evidence: [...(await controllerEvidence(c, w))],
      likelyCause: 'the controller serves the Secret but not as given (chain cut, another route for the host)',
    });
  c.note(
    `the Secret's certificate is served for ${host} with its CA (chain verified, SAN covers the host, ${daysLeft.toFixed(1)} days left) after ${(settledMs / 1000).toFixed(1)} s through ${t.what}; no SNI gets ${noSni.chain[0]?.subject.replaceAll('\n', ', ') ?? noSni.error ?? 'nothing'}`,
  );
}

defineSuite(manifest, () => {
  afterAll(() => fixtures.close());

  check(manifest.check.inventory, async (c) => {
    const inv = await inventory(c);
    const text = inventoryText(inv);
    c.evidence('inventory', text);
    for (const ctl of inv.controllers) c.property(`ingress.controller.${ctl.namespace}/${ctl.name}`, `${ctl.product} ${ctl.version}`);
    const fails = inv.findings.filter((f) => f.severity === 'fail');
    const warns = inv.findings.filter((f) => f.severity === 'warn');
    if (fails.length > 0) {
      const down = inv.controllers.filter((ctl) => ctl.ready === 0);
      for (const ctl of down) c.track({ kind: ctl.kind, namespace: ctl.namespace, name: ctl.name });
      const origin = downOrigin(inv);
      c.fail('missing', fails.map((f) => f.text).join('; '), {
        ...(origin === undefined ? {} : { origin }),
        evidence: [{ label: 'findings', text: inv.findings.map((f) => `${f.severity}: ${f.text}`).join('\n') }],
        likelyCause:
          down.length > 0
            ? `the controller ${down.map((ctl) => `${ctl.product} (${ctl.kind} ${ctl.namespace}/${ctl.name}, 0/${ctl.desired} ready)`).join(', ')} is not running`
            : (fails[0]?.text ?? ''),
      });
    }
    if (warns.length > 0)
      c.warn(warns.map((f) => f.text).join('; '), { evidence: [{ label: 'findings', text: inv.findings.map((f) => `${f.severity}: ${f.text}`).join('\n') }] });
    c.note(
      `${inv.classes.length} IngressClass(es), ${inv.gatewayClasses.length} GatewayClass(es), controllers: ${inv.controllers.map((ctl) => `${ctl.product} ${ctl.version}`).join(', ') || 'none found'}`,
    );
  });

  check(manifest.check.entryPoint, async (c) => {
    const inv = await inventory(c);
    if (inv.dialects.ingress === undefined && inv.dialects.gatewayApi === undefined)
      return c.skip(`no dialect to route with: ${inv.absent.ingress ?? ''}; ${inv.absent.gatewayApi ?? ''}`);
    const w = await world(c);
    if (w.entry === undefined) return noEntry(c, w);
    const { transport } = await c.cluster();
    const host = hostOf(inv.dialects.ingress === undefined ? 'gw' : 'exact', w.domain);
    const inside = inClusterEntry(entryCandidates({ ingresses: [], pods: w.controllerPods, services: w.controllerServices, nodes: [] })) ?? w.entry;
    const agents = matrixAgents(c.run.fleet);
    const wrong: string[] = [];
    // Asked until the routes' propagation bound (--ingress-bound, from when they were applied), at
    // least 3 times: a controller still reconfiguring on a busy cluster answers late, not never.
    const deadline = w.appliedAt + options(c).bound;
    const ask = async (agent: (typeof agents)[number]): Promise<{ backend?: Backend; last: string }> => {
      const response = await transport.probe(
        agent,
        [
          {
            kind: 'http',
            id: 'entry',
            url: `http://${inside.address.includes(':') ? `[${inside.address}]` : inside.address}:${inside.httpPort}/`,
            hostHeader: host,
            timeoutMs: c.run.timeouts.probeMs,
          },
        ],
        { signal: c.signal },
      );
      const result = response.results[0];
      const echo = result?.http?.echo;
      const seen = {
        ...(result?.http?.status === undefined ? { error: result?.detail ?? 'no result' } : { status: result.http.status }),
        ...(echo === undefined ? {} : { echo }),
      };
      const backend = backendOf(seen, w.pods);
      return { ...(backend === undefined ? {} : { backend }), last: backend ?? result?.detail ?? 'no answer' };
    };
    await Promise.all(
      agents.map(async (agent) => {
        const polled = await poll(
          () => ask(agent),
          ({ backend }) => backend === 'be-a' || (host.startsWith('gw.') && backend === 'be-f'),
          { deadline, minAttempts: 3, intervalMs: 500, signal: c.signal },
        );
        if (!polled.ok) wrong.push(`${agent.name}@${agent.node}: ${polled.value.last}`);
      }),
    );
    const paths = `runner -> ${w.entry.address}:${w.entry.httpPort} (${w.entry.via}); ${agents.length} probe pod(s) -> ${inside.address}:${inside.httpPort} (${inside.via})`;
    c.evidence('paths used', paths);
    c.evidence('entry points tried from the runner', w.tried.map((t) => `${t.entry.address}:${t.entry.httpPort} (${t.entry.via}): ${t.seen}`).join('\n'));
    if (wrong.length > 0) {
      c.fail('unreachable', `${wrong.length} of ${agents.length} probe pods did not reach the route through ${inside.address}:${inside.httpPort}`, {
        evidence: [{ label: 'probe pods', text: wrong.join('\n') }, ...(await controllerEvidence(c, w))],
        likelyCause:
          'the in-cluster path to the controller (its Service or host port) is blocked from those pods: kube-proxy, the pod network or a NetworkPolicy in front of the controller',
      });
    }
    c.note(paths);
  });

  check(manifest.check.routing, async (c) => {
    const inv = await inventory(c);
    await judgeTable(c, ROUTING, inv.absent.ingress);
  });

  check(manifest.check.nginxRewrites, async (c) => {
    const inv = await inventory(c);
    await judgeTable(c, NGINX_REWRITES, inv.absent.ingressNginx);
  });

  check(manifest.check.gatewayRewrites, async (c) => {
    const inv = await inventory(c);
    if (inv.absent.gatewayApi !== undefined) return c.skip(inv.absent.gatewayApi);
    const w = await world(c);
    await judgeTable(c, GATEWAY_REWRITES, w.gatewayAbsent);
  });

  check(manifest.check.ingressTls, async (c) => {
    const inv = await inventory(c);
    if (inv.absent.ingress !== undefined) return c.skip(inv.absent.ingress);
    const w = await world(c);
    if (w.entry === undefined) return noEntry(c, w);
    const entry = w.entry;
    if (entry.httpsPort === undefined) return c.skip(`the entry point ${entry.address} (${entry.via}) has no HTTPS port`);
    await tlsServed(
      c,
      w,
      { ...entry, httpsPort: entry.httpsPort },
      { label: 'tls', backend: 'be-e', object: { kind: 'Ingress', namespace: w.namespace, name: 'tls' }, what: 'an Ingress TLS host' },
    );
  });

  check(manifest.check.gatewayTls, async (c) => {
    const inv = await inventory(c);
    if (inv.absent.gatewayApi !== undefined) return c.skip(inv.absent.gatewayApi);
    const w = await world(c);
    if (w.tlsGateway === undefined) return c.skip(w.tlsGatewayAbsent ?? 'no Gateway HTTPS listener was made');
    if (w.entry === undefined) return noEntry(c, w);
    const entry = w.entry;
    if (entry.httpsPort === undefined) return c.skip(`the entry point ${entry.address} (${entry.via}) has no HTTPS port`);
    await tlsServed(
      c,
      w,
      { ...entry, httpsPort: entry.httpsPort },
      {
        label: TLS_GATEWAY_HOST,
        backend: 'be-c',
        object: { kind: 'Gateway', namespace: w.namespace, name: w.tlsGateway.name },
        what: `the HTTPS listener (port ${w.tlsGateway.port}) of Gateway ${w.namespace}/${w.tlsGateway.name}`,
      },
    );
  });

  check(manifest.check.propagation, async (c) => {
    const inv = await inventory(c);
    if (inv.dialects.ingress === undefined && inv.dialects.gatewayApi === undefined) return c.skip('no dialect present: nothing was applied');
    const w = await world(c);
    if (w.entry === undefined) return noEntry(c, w);
    const specs = [
      inv.absent.ingress === undefined ? ROUTING : undefined,
      inv.absent.ingressNginx === undefined ? NGINX_REWRITES : undefined,
      w.gatewayAbsent === undefined ? GATEWAY_REWRITES : undefined,
    ].filter((s) => s !== undefined);
    const entry = w.entry;
    const tables = await Promise.all(specs.map(async (spec) => ({ spec, rows: await table(c, w, entry, spec) })));
    // Per host (a route): the slowest of its cases that expect an answer from a backend or a redirect.
    const perRoute = new Map<string, number>();
    for (const { spec, rows } of tables) {
      for (const row of rows) {
        if (row.settledMs === undefined || row.kase.expect.kind === 'not-routed') continue;
        const key = `${spec.dialect} ${row.kase.host.toLowerCase()}`;
        perRoute.set(key, Math.max(perRoute.get(key) ?? 0, row.settledMs));
      }
    }
    // The TLS hosts' handshakes, shared with the TLS checks: awaited here, whichever check runs first.
    const httpsPort = entry.httpsPort;
    const handshakes =
      httpsPort === undefined
        ? []
        : await Promise.all(tlsHosts(w).map(async (label) => ({ label, ...(await servedFor(c, w, { ...entry, httpsPort }, label)) })));
    for (const { label, settledMs } of handshakes) if (settledMs !== undefined) perRoute.set(`tls ${label} certificate`, settledMs);
    const values = [...perRoute.values()];
    const text = [...perRoute.entries()].map(([route, ms]) => `${route}: ${(ms / 1000).toFixed(2)} s`).join('\n');
    c.evidence('propagation per route (apply -> first of 3 right answers in a row)', text || 'none settled');
    for (const [route, ms] of perRoute) c.property(`ingress.propagation.${route.replaceAll(' ', '.').toLowerCase()}`, `${Math.round(ms)}ms`);
    if (values.length === 0)
      c.fail('timeout', `no route answered right 3 times in a row within ${options(c).bound / 1000} s`, {
        evidence: await controllerEvidence(c, w),
        likelyCause: await likelyCause(
          c,
          w,
          tables.flatMap((t) => t.rows),
        ),
      });
    c.note(
      `${values.length} routes: min ${(Math.min(...values) / 1000).toFixed(1)} s, median ${(percentile(values, 0.5) / 1000).toFixed(1)} s, max ${(Math.max(...values) / 1000).toFixed(1)} s (bound ${options(c).bound / 1000} s)`,
    );
  });

  check(manifest.check.existingRoutes, async (c) => {
    if (!options(c).existing) return c.skip('the cluster’s own routes are checked only with --ingress-existing');
    const w = await world(c);
    if (w.entry === undefined) return noEntry(c, w);
    const entry = w.entry;
    if (entry.httpsPort === undefined) return c.skip(`the entry point ${entry.address} (${entry.via}) has no HTTPS port`);
    const { networking, discovery } = (await c.cluster()).session.clients;
    const ingresses = (await networking.listIngressForAllNamespaces()).items.filter(
      (ing) => ing.metadata?.labels?.[RUN_ID_LABEL] === undefined && (ing.spec?.tls?.length ?? 0) > 0,
    );
    if (ingresses.length === 0) return c.skip('no Ingress of the cluster has a TLS section');
    const hosts: ExistingHost[] = [];
    for (const ing of ingresses) {
      const ref = `${ing.metadata?.namespace ?? ''}/${ing.metadata?.name ?? ''}`;
      for (const tls of ing.spec?.tls ?? []) {
        for (const host of tls.hosts ?? []) {
          const sni = host.startsWith('*.') ? `shakedown-probe${host.slice(1)}` : host;
          const served = await servedCertificate(entry.address, entry.httpsPort, sni, 5000, c.signal);
          hosts.push({ ingress: ref, host, sni, secret: tls.secretName ?? '', served });
        }
      }
    }
    const backends = new Map<string, number>();
    for (const ing of ingresses) {
      const namespace = ing.metadata?.namespace ?? '';
      for (const name of new Set(
        (ing.spec?.rules ?? [])
          .flatMap((r) => r.http?.paths ?? [])
          .map((p) => p.backend.service?.name)
          .filter((n) => n !== undefined),
      )) {
        const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` });
        backends.set(`${namespace}/${name}`, slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length);
      }
    }
    const findings = existingTlsFindings(hosts, options(c).certDays, new Date());
    // cert-manager, when installed: the Certificates behind these Secrets.
    const { apiextensions, custom } = (await c.cluster()).session.clients;
    const certManager = await apiextensions.readCustomResourceDefinition({ name: 'certificates.cert-manager.io' }).then(
      () => true,
      () => false,
    );
    if (certManager) {
      const list = (await custom.listClusterCustomObject({ group: 'cert-manager.io', version: 'v1', plural: 'certificates' })) as {
        items?: CertificateObject[];
      };
      const views = certificateViews(list.items ?? []);
      const secrets = new Set(hosts.map((h) => `${h.ingress.split('/')[0] ?? ''}/${h.secret}`));
      findings.push(...certificateFindings(views, secrets, options(c).certDays, new Date()));
      c.evidence('cert-manager Certificates', certificateText(views.filter((v) => secrets.has(v.secret))) || 'none behind these Secrets');
    }
    for (const [svc, ready] of backends) if (ready === 0) findings.push({ severity: 'warn', text: `backend Service ${svc} has no ready endpoint` });
    const report = [
      ...hosts.map((h) => `${h.ingress} ${h.host}: ${h.served.error ?? describeCert(h.served.chain[0])}`),
      ...[...backends].map(([svc, ready]) => `backend ${svc}: ${ready} ready endpoint(s)`),
    ].join('\n');
    c.evidence('served certificates and backends', report);
    const fails = findings.filter((f) => f.severity === 'fail');
    if (fails.length > 0) {
      for (const ing of ingresses) c.track({ kind: 'Ingress', namespace: ing.metadata?.namespace ?? '', name: ing.metadata?.name ?? '' });
      c.fail('tls-error', fails.map((f) => f.text).join('; '), {
        evidence: await controllerEvidence(c, w),
        likelyCause:
          'the controller could not use the TLS Secret the Ingress names (missing, in another namespace, or its certificate does not match its key) and serves its fallback certificate; or the Secret holds a certificate for other names',
      });
    }
    const warns = findings.filter((f) => f.severity === 'warn');
    if (warns.length > 0) c.warn(warns.map((f) => f.text).join('; '));
    c.note(
      `${hosts.length} TLS host(s) of ${ingresses.length} Ingress(es) serve a certificate covering them, ${backends.size} backend Service(s) have ready endpoints`,
    );
  });
});
