// Benchmark on a real cluster (default: the local one, .cluster/kubeconfig):
//   1. time from start until the probe fleet is ready, and wall time of the services suite, from a
//      real `shakedown run --suite services`;
//   2. probes per second through the batch API (one pod-proxy call for many probes) against one
//      exec per probe (what upstream netpol tests do), in the same namespace and the same run.
// Usage: npm run bench [-- --kubeconfig FILE] [-- --probes N]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAgentBundle } from '../agent/build.ts';
import type { ProbeTarget } from '../agent/protocol.ts';
import { resolveAll } from '../helpers/config.ts';
import { runShakedown } from '../helpers/engine/run.ts';
import { PACKAGE_ROOT, discoverSuites, selectSuites } from '../helpers/engine/suites.ts';
import { deployFleet, fleetApi } from '../helpers/fleet/deploy.ts';
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import { findKubeconfig } from '../helpers/kube/kubeconfig.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { runNamespace } from '../helpers/run/labels.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { createExecTransport, kubeExecRunner } from '../helpers/transport/exec.ts';
import { createPodProxyTransport } from '../helpers/transport/pod-proxy.ts';
import type { ProbeTransport } from '../helpers/transport/transport.ts';
import pLimit from 'p-limit';

interface SuiteTimes {
  totalMs: number;
  fleetReadyMs: number | undefined;
  servicesWallMs: number | undefined;
  exitCode: number;
}

async function timeSuiteRun(kubeconfig: string): Promise<SuiteTimes> {
  const { settings } = resolveAll([], { flags: {}, env: {}, cwd: process.cwd() });
  const start = performance.now();
  const marks: Record<string, number> = {};
  const outcome = await runShakedown({
    settings,
    suites: selectSuites(discoverSuites(), ['services'], { kind: 'default' }),
    root: PACKAGE_ROOT,
    kubeconfig: { paths: [kubeconfig], origin: 'flag' },
    stdout: { write: () => true },
    stderr: process.stderr,
    env: process.env,
    observers: {
      stopwatch: {
        onSuiteStart(suite) {
          marks[`start:${suite}`] ??= performance.now();
        },
        onCheckStart(suite) {
          marks[`first:${suite}`] ??= performance.now();
        },
        onCheckEnd(result) {
          marks[`end:${result.suite}`] = performance.now();
        },
      },
    },
  });
  const totalMs = performance.now() - start;
  const since = (mark: string) => (marks[mark] === undefined ? undefined : marks[mark] - start);
  const first = marks['first:services'];
  const last = marks['end:services'];
  return {
    totalMs,
    fleetReadyMs: since('start:setup'),
    servicesWallMs: first === undefined || last === undefined ? undefined : last - first,
    exitCode: outcome.exitCode,
  };
}

interface Throughput {
  batchPerSecond: number;
  execPerSecond: number;
  batchProbes: number;
  execProbes: number;
}

async function measure(transport: ProbeTransport, source: { name: string; namespace: string; ports: { api: number } }, targets: ProbeTarget[], batched: boolean): Promise<number> {
  const started = performance.now();
  if (batched) {
    const { results } = await transport.probe(source, targets, { concurrency: 64 });
    const failed = results.filter((r) => r.outcome !== 'ok').length;
    if (failed > 0) throw new Error(`${failed} of ${results.length} batch probes failed`);
  } else {
    // One exec per probe, three at a time, as upstream netpol tests run them.
    const limit = pLimit(3);
    await Promise.all(targets.map((target) => limit(async () => {
      const { results } = await transport.probe(source, [target]);
      if (results[0]?.outcome !== 'ok') throw new Error(`exec probe failed: ${results[0]?.detail}`);
    })));
  }
  return targets.length / ((performance.now() - started) / 1000);
}

async function timeThroughput(session: KubeSession, probes: number): Promise<Throughput> {
  const runId = newRunId();
  const namespaces = namespaceApi(session.clients.core);
  await namespaces.create(runNamespace({ name: runId, runId, expiresAt: new Date(Date.now() + 3_600_000), purpose: 'benchmark' }));
  try {
    const nodes = (await session.clients.core.listNode()).items.map((node) => node.metadata?.name ?? '');
    const fleet = await deployFleet(fleetApi(session.clients.core), {
      namespace: runId,
      runId,
      nodes,
      minAgents: 2,
      image: chooseProbeImage(undefined, session.target.context),
      bundle: await buildAgentBundle(),
      timeoutMs: 120_000,
    });
    const [source, target] = fleet.agents;
    if (source === undefined || target === undefined) throw new Error('the benchmark fleet has fewer than 2 agents');
    const tcp = (i: number): ProbeTarget => ({ id: `#${i}`, kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'bench', timeoutMs: 2000 });
    const proxy = createPodProxyTransport(session.connection);
    const exec = createExecTransport(kubeExecRunner(session.kc));
    await measure(proxy, source, [tcp(0)], true);
    const batchRates = [];
    for (let round = 0; round < 3; round++) batchRates.push(await measure(proxy, source, Array.from({ length: probes }, (_, i) => tcp(i)), true));
    const execProbes = 30;
    const execRate = await measure(exec, source, Array.from({ length: execProbes }, (_, i) => tcp(i)), false);
    return { batchPerSecond: batchRates.sort((a, b) => a - b)[1] ?? 0, execPerSecond: execRate, batchProbes: probes, execProbes };
  } finally {
    await removeRun(namespaces, runId, { timeoutMs: 60_000 });
  }
}

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, probes: { type: 'string', default: '1000' } } });
const kubeconfig = values.kubeconfig ?? join(PACKAGE_ROOT, '.cluster', 'kubeconfig');
const location = findKubeconfig({ explicit: kubeconfig, env: {}, home: undefined });
if (location === undefined) throw new Error(`no kubeconfig at ${kubeconfig}`);

const suite = await timeSuiteRun(kubeconfig);
const session = await openKubeSession(location, { qps: 50 });
let throughput: Throughput;
try {
  throughput = await timeThroughput(session, Number(values.probes));
} finally {
  await session.close();
}
const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
console.log(
  [
    `shakedown run --suite services: exit ${suite.exitCode}, ${seconds(suite.totalMs)} in all`,
    `  start -> probe fleet ready:   ${seconds(suite.fleetReadyMs)}`,
    `  services suite wall time:     ${seconds(suite.servicesWallMs)}`,
    `probes per second, one agent to another (TCP echo):`,
    `  batch API via pod proxy:      ${throughput.batchPerSecond.toFixed(0)}/s (${throughput.batchProbes} probes per batch, median of 3)`,
    `  one exec per probe (3 at once): ${throughput.execPerSecond.toFixed(1)}/s (${throughput.execProbes} probes)`,
    `  ratio:                        ${(throughput.batchPerSecond / throughput.execPerSecond).toFixed(0)}x (target: at least 10x)`,
  ].join('\n'),
);
console.log(JSON.stringify({ suite, throughput }));
