// Executes one Service case (services-cases.ts): creates its Services in the suite's own namespace,
// waits until their EndpointSlices list exactly the backends they select, disturbs a backend if
// the case says so, probes its cells with the reachability engine and judges its samples. Every
// failure carries the Services' endpoints and events, and, when the mismatches share one, the
// origin (a source node, a target node, a port, a protocol) with what the healthy cells prove.
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { ProbeTarget } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { NODE_LABEL, PROBE_LABEL, fleetSelector } from '../../helpers/fleet/manifests.ts';
import type { EndpointView } from '../../helpers/objects/endpoints.ts';
import { layerBelow } from '../../helpers/pod-path/layer-below.ts';
import { answeringPod } from '../../helpers/probe/expectations.ts';
import type { OriginOptions } from '../../helpers/probe/origin.ts';
import { failReach, reach } from '../../helpers/probe/reach.ts';
import type { Origin } from '../../helpers/result.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { proxyEvidence } from '../lib/proxy.ts';
import { clusterIP, createService, waitEndpoints } from '../lib/services.ts';
import type { Created, Select, ServiceCase, World } from './services-cases.ts';

export function selectorOf(select: Select, runId: string): Record<string, string> {
  const all = fleetSelector(runId);
  if (select === 'all') return all;
  if (select === 'none') return { 'shakedown.dev/none': 'none' };
  if ('pod' in select) return { ...all, [PROBE_LABEL]: select.pod };
  return { ...all, [NODE_LABEL]: select.node.slice(0, 63) };
}

export function selected(select: Select, backends: readonly ProbeAgent[]): ProbeAgent[] {
  if (select === 'all') return [...backends];
  if (select === 'none') return [];
  if ('pod' in select) return backends.filter((b) => b.name === select.pod);
  return backends.filter((b) => b.node === select.node);
}

// The endpoints are exactly these backends, each once, ready, with its IP and node.
export function endpointsMatch(endpoints: readonly EndpointView[], backends: readonly ProbeAgent[]): boolean {
  return (
    endpoints.length === backends.length &&
    backends.every((b) => endpoints.some((e) => e.address === b.podIP && e.pod === b.name && e.ready && (e.node === undefined || e.node === b.node)))
  );
}

export function endpointsDifference(endpoints: readonly EndpointView[], backends: readonly ProbeAgent[]): string[] {
  const missing = backends.filter((b) => !endpoints.some((e) => e.address === b.podIP)).map((b) => `missing ${b.name} ${b.podIP} on ${b.node}`);
  const extra = endpoints.filter((e) => !backends.some((b) => b.podIP === e.address)).map((e) => `extra ${e.address} (${e.pod ?? '?'})`);
  const wrong = endpoints
    .filter((e) => backends.some((b) => b.podIP === e.address && (!e.ready || b.name !== e.pod || (e.node !== undefined && e.node !== b.node))))
    .map((e) => `wrong ${e.address}: pod ${e.pod ?? '?'} node ${e.node ?? '?'} ${e.ready ? 'ready' : 'NOT ready'}`);
  return [...missing, ...extra, ...wrong];
}

// What one origin means for Service traffic.
export function serviceConclusion(origin: { dimensions: readonly string[]; values: readonly string[] }): string | undefined {
  if (origin.dimensions.length !== 1) return undefined;
  const v = origin.values.join(', ');
  switch (origin.dimensions[0]) {
    case 'source-node':
      return `Service traffic from ${v} is not translated: kube-proxy (or what replaces it) on ${v}`;
    case 'target-node':
      return `traffic to the pods on ${v} does not arrive: the pod network to ${v} (CNI routes or overlay) or its host firewall`;
    case 'protocol':
      return `${v.toUpperCase()} Service traffic is not forwarded (conntrack, or the proxy mode lacks ${v.toUpperCase()})`;
    case 'port':
      return `Service port ${v} is not mapped to its targetPort`;
    case 'direction':
      return v === 'cross node' ? 'Service traffic between nodes is not routed (CNI overlay or routes between nodes, or a host firewall)' : undefined;
    default:
      return undefined;
  }
}

// Service traffic from one node that is not translated points at that node's kube-proxy.
export function serviceSuspect(origin: { dimensions: readonly string[]; values: readonly string[] }): string | undefined {
  return origin.dimensions.length === 1 && origin.dimensions[0] === 'source-node' && origin.values.length === 1
    ? `kube-proxy on ${origin.values[0]}`
    : undefined;
}

export const SERVICE_ORIGIN: OriginOptions = { conclude: serviceConclusion, suspect: serviceSuspect };

export function likelyCause(kase: ServiceCase, origin: Origin | undefined): string {
  if (origin === undefined) return kase.cause;
  const [dimension] = origin.dimension.split(' & ');
  return (
    serviceConclusion({ dimensions: origin.dimension.split(' & '), values: origin.value.split(', ') }) ??
    `${kase.cause} (the failures share ${dimension} ${origin.value})`
  );
}

// Which pod answered each sample request (undefined: none). A request that got no answer is asked
// once more before it counts, as every probe table does: a request lost on a busy node is not a
// finding, while an endpoint that black-holes a share of the connections loses that share again.
export async function sampleAnswers(
  transport: ProbeTransport,
  source: ProbeAgent,
  targets: readonly ProbeTarget[],
  options: { concurrency: number; signal?: AbortSignal; log: (line: string) => void },
): Promise<(string | undefined)[]> {
  const ask = { concurrency: options.concurrency, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  const { results } = await transport.probe(source, [...targets], ask);
  const pods = results.map((r) => (r.outcome === 'ok' ? answeringPod(r) : undefined));
  const lost = targets.flatMap((target, index) => (pods[index] === undefined ? [{ target, index }] : []));
  if (lost.length === 0) return pods;
  const again = await transport.probe(
    source,
    lost.map(({ target }) => ({ ...target, id: `${target.id} again` })),
    ask,
  );
  again.results.forEach((r, i) => {
    const at = lost[i]?.index;
    if (at !== undefined && r.outcome === 'ok') pods[at] = answeringPod(r);
  });
  options.log(
    `from ${source.name} on ${source.node}: ${lost.length} of ${targets.length} requests got no answer, asked once more: ${lost.filter(({ index }) => pods[index] === undefined).length} again without one`,
  );
  return pods;
}

export async function runCase(c: CheckContext, kase: ServiceCase, world: World, transport: ProbeTransport): Promise<void> {
  const reason = kase.needs?.(world);
  if (reason !== undefined) c.skip(reason);
  const { session } = await c.cluster();
  const drafts = kase.services(world);
  const created: Record<string, Created> = {};
  await Promise.all(
    drafts.map(async (draft) => {
      const service = await createService(
        c,
        {
          name: draft.name,
          selector: selectorOf(draft.select, c.run.runId),
          ports: draft.ports,
          ...(draft.headless === true ? { headless: true } : {}),
          ...(draft.sessionAffinity === undefined ? {} : { sessionAffinity: draft.sessionAffinity }),
        },
        world.namespace,
      );
      created[draft.name] = { name: draft.name, ip: clusterIP(service), backends: selected(draft.select, world.backends) };
    }),
  );

  // The EndpointSlices first: a data path is judged only once the control plane says what it should be.
  const waited = await Promise.all(
    drafts.map(async (d) => ({
      name: d.name,
      backends: created[d.name]?.backends ?? [],
      waited: await waitEndpoints(c, d.name, (endpoints) => endpointsMatch(endpoints, created[d.name]?.backends ?? []), world.namespace),
    })),
  );
  const lagging = waited.filter((w) => !w.waited.ok);
  if (lagging.length > 0) {
    const difference = lagging.flatMap((w) => endpointsDifference(w.waited.value, w.backends).map((line) => `${w.name}: ${line}`));
    c.fail(
      'mismatch',
      `expected the EndpointSlices of ${lagging.map((w) => w.name).join(', ')} to list exactly their ${lagging[0]?.backends.length} ready backend pod(s), after ${Math.round(lagging[0]?.waited.elapsedMs ?? 0)}ms: ${difference[0] ?? ''}`,
      {
        evidence: [{ label: 'difference', text: difference.join('\n') }],
        likelyCause:
          kase.cells === undefined
            ? kase.cause
            : 'the EndpointSlice controller in kube-controller-manager lags or is down, or the kubelet does not report the pods ready',
        reproduce: `kubectl -n ${world.namespace} get endpointslices -l kubernetes.io/service-name=${lagging[0]?.name} -o wide`,
      },
    );
  }
  const endpointsMs = Math.max(...waited.map((w) => w.waited.elapsedMs));

  if (kase.disturb === 'not-ready') {
    const victim = world.backends.at(-1);
    const service = drafts[0]?.name ?? '';
    if (victim === undefined) c.skip('no backend to make not ready');
    await transport.setReady(victim, false);
    const removed = await waitEndpoints(c, service, (endpoints) => !endpoints.some((e) => e.pod === victim.name && e.ready), world.namespace);
    if (!removed.ok) {
      c.fail(
        'mismatch',
        `expected ${victim.name} on ${victim.node} to leave the ready endpoints of ${service} once its readiness probe failed; it is still ready after ${Math.round(removed.elapsedMs)}ms`,
        {
          likelyCause: 'the kubelet does not run the readiness probe, or the endpoint controller does not follow pod readiness',
        },
      );
    }
    c.log(`${victim.name} left the ready endpoints after ${Math.round(removed.elapsedMs)}ms`);
  }

  let probed = '';
  if (kase.cells !== undefined) {
    const cells = kase.cells(world, created);
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line) });
    await failReach(c, run, {
      what: 'Service probes',
      origin: SERVICE_ORIGIN,
      likelyCause: (origin) => likelyCause(kase, origin),
      // kube-proxy is named only when the pods of the nodes involved reach each other directly.
      below: (origin) => layerBelow(c, origin),
      // The engine adds the tracked Services and the nodes the origin names; this adds what programs Service traffic there.
      evidence: async () => {
        const nodes =
          run.mismatches.length === run.cells.length
            ? []
            : [...new Set(run.mismatches.map((cell) => cell.facets['source-node'] ?? ''))].filter((n) => n !== '');
        return nodes.length === 0 ? [] : [await proxyEvidence(session.clients.core, nodes)];
      },
    });
    probed = `${cells.length} probes from ${new Set(cells.map((cell) => cell.row)).size} source(s) as expected after ${Math.round(run.elapsedMs)}ms`;
  }

  let sampled = '';
  if (kase.samples !== undefined) {
    const samples = kase.samples;
    const service = created[samples.service];
    const answers = new Map<ProbeAgent, (string | undefined)[]>();
    await Promise.all(
      samples.from(world).map(async (source) => {
        const targets = Array.from({ length: samples.count(world) }, (_, i) => ({
          id: `#${i}`,
          kind: 'http' as const,
          url: `http://${service?.ip ?? ''}:${samples.port}/`,
          timeoutMs: world.timeoutMs,
        }));
        answers.set(
          source,
          await sampleAnswers(transport, source, targets, { concurrency: samples.concurrency, signal: c.signal, log: (line) => c.log(line) }),
        );
      }),
    );
    const judged = samples.judge(answers, world);
    c.evidence('answers', judged.summary);
    if (judged.problems.length > 0) {
      c.fail(
        'mismatch',
        `${judged.problems.length} problem(s) over ${[...answers.values()].flat().length} requests to ${samples.service}: ${judged.problems[0]}`,
        {
          evidence: [
            { label: 'problems', text: judged.problems.join('\n') },
            { label: 'answers', text: judged.summary },
          ],
          likelyCause: samples.cause,
        },
      );
    }
    sampled = judged.summary;
  }
  c.note([`endpoints ready after ${Math.round(endpointsMs)}ms`, probed, sampled].filter((s) => s !== '').join('; '));
}
