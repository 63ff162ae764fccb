// Benchmark on a real cluster (default: the local one, .cluster/kubeconfig):
//   1. time from start until the probe fleet is ready, and wall time of the services suite, from a
//      real `shakedown run --suite services`;
//   2. probes per second through the batch API (one pod-proxy call for many probes) against one
//      exec per probe (what upstream netpol tests do), in the same namespace and the same run.
// Usage: npm run bench [-- --kubeconfig FILE] [-- --probes N]
import { parseArgs } from 'node:util';
import { buildAgentBundle } from '../agent/build.ts';
import type { ProbeTarget } from '../agent/protocol.ts';
import { deployFleet, fleetApi } from '../helpers/fleet/deploy.ts';
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { runNamespace } from '../helpers/run/labels.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { createExecTransport, kubeExecRunner } from '../helpers/transport/exec.ts';
import { createPodProxyTransport } from '../helpers/transport/pod-proxy.ts';
import type { AgentAddress, ProbeTransport } from '../helpers/transport/transport.ts';
import pLimit from 'p-limit';
import { benchKubeconfig, seconds, timeSuiteRun } from './suite-run.ts';

interface Throughput {
  batchPerSecond: number;
  execPerSecond: number;
  batchProbes: number;
  execProbes: number;
}

async function measure(transport: ProbeTransport, source: AgentAddress, targets: ProbeTarget[], batched: boolean): Promise<number> {
  const started = performance.now();
  if (batched) {
    const { results } = await transport.probe(source, targets, { concurrency: 64 });
    const failed = results.filter((r) => r.outcome !== 'ok').length;
    if (failed > 0) throw new Error(`${failed} of ${results.length} batch probes failed`);
  } else {
    // One exec per probe, three at a time, as upstream netpol tests run them.
    const limit = pLimit(3);
    await Promise.all(
      targets.map((target) =>
        limit(async () => {
          const { results } = await transport.probe(source, [target]);
          if (results[0]?.outcome !== 'ok') throw new Error(`exec probe failed: ${results[0]?.detail}`);
        }),
      ),
    );
  }
  return targets.length / ((performance.now() - started) / 1000);
}

async function timeThroughput(session: KubeSession, probes: number): Promise<Throughput> {
  const runId = newRunId();
  const namespaces = namespaceApi(session.clients);
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
    const exec = createExecTransport(kubeExecRunner(session.kc, { throttle: session.connection.throttle }));
    await measure(proxy, source, [tcp(0)], true);
    const batchRates = [];
    for (let round = 0; round < 3; round++)
      batchRates.push(
        await measure(
          proxy,
          source,
          Array.from({ length: probes }, (_, i) => tcp(i)),
          true,
        ),
      );
    const execProbes = 30;
    const execRate = await measure(
      exec,
      source,
      Array.from({ length: execProbes }, (_, i) => tcp(i)),
      false,
    );
    return { batchPerSecond: batchRates.sort((a, b) => a - b)[1] ?? 0, execPerSecond: execRate, batchProbes: probes, execProbes };
  } finally {
    await removeRun(namespaces, runId, { timeoutMs: 60_000 });
  }
}

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, probes: { type: 'string', default: '1000' } } });
const { path: kubeconfig, location } = benchKubeconfig(values.kubeconfig);

const suite = await timeSuiteRun(kubeconfig, 'services');
const session = await openKubeSession(location, { qps: 50 });
let throughput: Throughput;
try {
  throughput = await timeThroughput(session, Number(values.probes));
} finally {
  await session.close();
}
console.log(
  [
    `shakedown run --suite services: exit ${suite.exitCode}, ${seconds(suite.totalMs)} in all`,
    `  start -> probe fleet ready:   ${seconds(suite.fleetReadyMs)}`,
    `  services suite wall time:     ${seconds(suite.suiteWallMs)}`,
    `probes per second, one agent to another (TCP echo):`,
    `  batch API via pod proxy:      ${throughput.batchPerSecond.toFixed(0)}/s (${throughput.batchProbes} probes per batch, median of 3)`,
    `  one exec per probe (3 at once): ${throughput.execPerSecond.toFixed(1)}/s (${throughput.execProbes} probes)`,
    `  ratio:                        ${(throughput.batchPerSecond / throughput.execPerSecond).toFixed(0)}x (target: at least 10x)`,
  ].join('\n'),
);
console.log(JSON.stringify({ suite: { ...suite, results: undefined }, throughput }));
