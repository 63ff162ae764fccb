// NetworkPolicy benchmark on a real cluster (default: the local one, .cluster/kubeconfig):
//   1. the netpol suite's wall time, from a real `shakedown run --suite netpol`;
//   2. one full table step (3 namespaces x 3 pods x ports 9000, 9001 x TCP and UDP = 324 probes)
//      through the batch API (one long-lived exec session per source pod), all allowed and under
//      a default deny;
//   3. the same table probed one exec per probe (3 at once, as upstream netpol tests), as a ratio.
// Usage: npx node bench/netpol.ts [--kubeconfig FILE] [--skip-suite]
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { buildAgentBundle } from '../agent/build.ts';
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import { newAgentToken } from '../helpers/fleet/manifests.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { cellKey, expectTable, portLabel, probesOf } from '../suites/netpol/model.ts';
import { toNetworkPolicy } from '../suites/netpol/policy.ts';
import { pollTable, probeTable, targetOf } from '../suites/netpol/probe.ts';
import { compare, type Observed } from '../suites/netpol/table.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { createExecTransport, kubeExecRunner } from '../helpers/transport/exec.ts';
import { DEFAULT_DENY_INGRESS } from '../suites/netpol/netpol-cases.ts';
import { deployWorld, type World } from '../suites/netpol/netpol-world.ts';
import { MODEL } from '../suites/netpol/world-model.ts';
import { benchKubeconfig, seconds, timeSuiteRun } from './suite-run.ts';

const PROBE_TIMEOUT_MS = 1000;

interface TableTimes {
  probes: number;
  setupMs: number;
  allowedStepMs: number[];
  denyStepMs: number;
  denyLatencyMs: number;
  perProbeExecMs: number;
  perProbeCount: number;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timeTable(session: KubeSession): Promise<TableTimes> {
  const runId = newRunId();
  const namespaces = namespaceApi(session.clients);
  let world: World | undefined;
  try {
    const nodes = (await session.clients.core.listNode()).items.map((node) => node.metadata?.name ?? '');
    const image = chooseProbeImage(undefined, session.target.context);
    const built = await deployWorld({
      model: MODEL,
      session,
      runId,
      expiresAt: new Date(Date.now() + 3_600_000),
      nodes,
      image,
      bundle: await buildAgentBundle(),
      token: newAgentToken(),
    });
    world = built;
    const step = (timeoutMs = PROBE_TIMEOUT_MS) => probeTable(built.transport, built.model, built.pods, { timeoutMs });
    const allAllowed = expectTable(built.model, []);
    const check = (observed: Observed, what: string) => {
      const wrong = compare(built.model, allAllowed, observed);
      if (wrong.length > 0) throw new Error(`${what}: ${wrong.length} probes not as expected`);
    };
    // Fresh pods: the first paths may take a moment (the plugin programming them); poll until all allowed.
    const warm = await pollTable(built.transport, built.model, built.pods, allAllowed, {
      boundMs: 30_000,
      pollTimeoutMs: PROBE_TIMEOUT_MS,
      finalTimeoutMs: 2000,
    });
    if (!warm.ok)
      throw new Error(
        `warm-up: ${warm.mismatches.length} probes not as expected after 30 s: ${warm.mismatches
          .slice(0, 3)
          .map((m) => `${m.from}>${m.to} ${m.port}`)
          .join(', ')}`,
      );
    const allowedStepMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      check(await step(), `round ${round}`);
      allowedStepMs.push(performance.now() - started);
    }

    // A default deny: blocked cells wait out the probe timeout, so the step costs about one timeout.
    const draft = DEFAULT_DENY_INGRESS.steps[0]?.create?.[0];
    if (draft === undefined) throw new Error('no default deny draft');
    const policy = toNetworkPolicy(draft, built.resolver);
    await session.clients.networking.createNamespacedNetworkPolicy({ namespace: policy.metadata?.namespace ?? '', body: policy });
    const denied = await pollTable(built.transport, built.model, built.pods, expectTable(built.model, DEFAULT_DENY_INGRESS.steps[0]?.expect ?? []), {
      boundMs: 30_000,
      pollTimeoutMs: PROBE_TIMEOUT_MS,
      finalTimeoutMs: 2000,
    });
    if (!denied.ok) throw new Error(`the default deny did not match: ${denied.mismatches.length} mismatches`);
    await session.clients.networking.deleteNamespacedNetworkPolicy({ name: policy.metadata?.name ?? '', namespace: policy.metadata?.namespace ?? '' });
    await pollTable(built.transport, built.model, built.pods, allAllowed, { boundMs: 30_000, pollTimeoutMs: PROBE_TIMEOUT_MS, finalTimeoutMs: 2000 });

    // The same all-allowed table, one exec per probe, three at once.
    const oneShot = createExecTransport(kubeExecRunner(session.kc, { throttle: session.connection.throttle }));
    const byId = new Map(built.pods.map((pod) => [pod.id, pod]));
    const limit = pLimit(3);
    const started = performance.now();
    const single: Observed = new Map();
    await Promise.all(
      probesOf(built.model).map((probe) =>
        limit(async () => {
          const source = byId.get(probe.from);
          const target = byId.get(probe.to);
          if (source === undefined || target === undefined) return;
          const { results } = await oneShot.probe(source.address, [targetOf(target, probe.port, PROBE_TIMEOUT_MS, `${probe.to} ${portLabel(probe.port)}`)]);
          single.set(cellKey(probe.from, probe.to, probe.port), { result: results[0] });
        }),
      ),
    );
    const perProbeExecMs = performance.now() - started;
    check(single, 'one exec per probe');
    return {
      probes: probesOf(built.model).length,
      setupMs: built.setupMs,
      allowedStepMs,
      denyStepMs: denied.lastStepMs,
      denyLatencyMs: denied.elapsedMs,
      perProbeExecMs,
      perProbeCount: single.size,
    };
  } finally {
    await world?.transport.close();
    const listed = await namespaces.list(ownedSelector(runId));
    if (listed.length > 0) await removeRun(namespaces, runId, { timeoutMs: 60_000 });
  }
}

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'skip-suite': { type: 'boolean', default: false } } });
const { path: kubeconfig, location } = benchKubeconfig(values.kubeconfig);

const suite = values['skip-suite'] ? undefined : await timeSuiteRun(kubeconfig, 'netpol');
const session = await openKubeSession(location, { qps: 50 });
let table: TableTimes;
try {
  table = await timeTable(session);
} finally {
  await session.close();
}
const secs = (ms: number | undefined): string => seconds(ms, 2);
const step = median(table.allowedStepMs);
console.log(
  [
    ...(suite === undefined
      ? []
      : [
          `shakedown run --suite netpol: exit ${suite.exitCode}, ${secs(suite.totalMs)} in all`,
          `  netpol suite wall time:            ${secs(suite.suiteWallMs)} (target < 60 s)`,
          ...suite.results.map((line) => `    ${line}`),
        ]),
    `one table step, ${MODEL.namespaces.length} ns x ${MODEL.pods.length} pods x ${MODEL.ports.map((p) => `${p.protocol}/${p.port}`).join(',')} = ${table.probes} probes (pods ready in ${secs(table.setupMs)}):`,
    `  batch API (exec session per pod):  ${secs(step)} all allowed (median of 3; target < 5 s), ${(table.probes / (step / 1000)).toFixed(0)} probes/s`,
    `  under a default deny (1 s timeout): ${secs(table.denyStepMs)} per step; deny in force after ${secs(table.denyLatencyMs)}`,
    `  one exec per probe (3 at once):    ${secs(table.perProbeExecMs)}, ${(table.perProbeCount / (table.perProbeExecMs / 1000)).toFixed(1)} probes/s`,
    `  ratio:                             ${(table.perProbeExecMs / step).toFixed(0)}x faster with the batch API`,
  ].join('\n'),
);
console.log(JSON.stringify({ suite, table }));
