// Faults between the local cluster's nodes (network namespaces joined by veths to the host bridge,
// pods routed between nodes by static routes), each held under the fault lock for one run of the
// network suite and restored (and checked restored) whatever happens:
// 1. node2's link MTU below the pods' MTU: frames larger than it arriving at node2 vanish. The
//    suite must name the pair (node1 to node2), the direction, MTU, the MTUs of both ends and the size.
// 2. node2's route to node1's pod range blackholed: nothing from node1's pods gets an answer from
//    node2's, and node2's pods reach nothing on node1. The suite must name the pair.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout } from '../ci/cluster/layout.ts';
import { withFaultLock } from './cluster-kit.ts';
import { KUBECONFIG, type Ran, namespacesOfRun, readReport, shakedown } from './netpol-cluster.ts';

const PAIRS = 'every node pair, both ways, small and large payloads';
const node1 = nodeLayout(1);
const node2 = nodeLayout(2);
const SMALL_MTU = 1280;
// The fault window stays under 2 minutes: a run that takes longer is stopped.
const RUN_BOUND_MS = 100_000;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' }).trim();

function linkMtu(netns: string): number {
  const mtu = /\bmtu (\d+)\b/.exec(ip('-n', netns, '-o', 'link', 'show', 'eth0'))?.[1];
  if (mtu === undefined) throw new Error(`no MTU for eth0 in ${netns}`);
  return Number(mtu);
}

const routeTo = (netns: string, cidr: string): string => ip('-n', netns, 'route', 'show', cidr);

async function runNetwork(): Promise<{ ran: Ran; report: ReturnType<typeof readReport>; seconds: number }> {
  const out = join(mkdtempSync(join(tmpdir(), 'sd-network-fault-')), 'report.json');
  let child: ChildProcess | undefined;
  const timer = setTimeout(() => child?.kill('SIGINT'), RUN_BOUND_MS);
  const started = performance.now();
  try {
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'network', '--json', out], { onOutput: (_text, c) => (child = c) });
    return { ran, report: readReport(out), seconds: (performance.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
  }
}

function pairsCheck(report: ReturnType<typeof readReport>) {
  const network = report.results.filter((r) => r.suite === 'network');
  for (const r of network) console.log(`  ${r.status} ${r.check}: ${r.message || r.skipReason || ''}`);
  return network.find((r) => r.check === PAIRS) as
    (ReturnType<typeof readReport>['results'][number] & { origin?: { dimension: string; value: string }; likelyCause?: string }) | undefined;
}

describe('the network suite with a fault between the nodes', () => {
  it("names the node pair, the direction and MTU when node2's link carries less than the pods' MTU", async () => {
    const { ran, report, seconds } = await withFaultLock('network', async () => {
      const original = linkMtu(node2.netns);
      try {
        ip('-n', node2.netns, 'link', 'set', 'eth0', 'mtu', String(SMALL_MTU));
        return await runNetwork();
      } finally {
        ip('-n', node2.netns, 'link', 'set', 'eth0', 'mtu', String(original));
        if (linkMtu(node2.netns) !== original) throw new Error(`eth0 of ${node2.netns} not restored to MTU ${original}`);
      }
    });
    console.log(`network suite with ${node2.name}'s link at MTU ${SMALL_MTU}: ${seconds.toFixed(1)} s`);
    const pairs = pairsCheck(report);
    expect(ran.code, ran.stdout + ran.stderr).toBe(1);
    expect(pairs?.status).toBe('fail');
    // node1's pods send full 1500-byte frames that node2's link drops; node2's own pods learn the
    // smaller path MTU from node2 (ICMP fragmentation needed), so the opposite direction passes.
    expect(pairs?.message).toMatch(/^from the probe on node1 to the probe on node2: only large payloads fail, MTU: .*a 1472-byte UDP datagram/);
    expect(pairs?.message).toContain('pod interface MTU 1500 on node1 (eth0), 1500 on node2 (eth0)');
    expect(pairs?.message).toContain('the opposite direction (node2 to node1) passes');
    expect(pairs?.origin).toMatchObject({ dimension: 'pair & payload', value: 'node1 -> node2, large' });
    expect(pairs?.likelyCause).toMatch(/^an MTU black hole/);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it("names the node pair when node2's route to node1's pods is blackholed", async () => {
    const { ran, report, seconds } = await withFaultLock('network', async () => {
      const original = routeTo(node2.netns, node1.podCidr);
      expect(original).toMatch(new RegExp(`^${node1.podCidr.replace(/[./]/g, '\\$&')} via ${node1.ip.replace(/\./g, '\\.')}`));
      try {
        ip('-n', node2.netns, 'route', 'replace', 'blackhole', node1.podCidr);
        return await runNetwork();
      } finally {
        ip('-n', node2.netns, 'route', 'replace', ...original.split(/\s+/));
        if (routeTo(node2.netns, node1.podCidr) !== original) throw new Error(`route to ${node1.podCidr} in ${node2.netns} not restored to "${original}"`);
      }
    });
    console.log(`network suite with ${node2.name}'s route to ${node1.podCidr} blackholed: ${seconds.toFixed(1)} s`);
    const pairs = pairsCheck(report);
    expect(ran.code, ran.stdout + ran.stderr).toBe(1);
    expect(pairs?.status).toBe('fail');
    expect(pairs?.message).toMatch(
      /^between the probes on node1 and node2, both ways, probes fail: from the probe on node1 to the probe on node2: every probe, TCP and UDP, small and large, fails/,
    );
    expect(pairs?.message).not.toMatch(/only large payloads/);
    expect(pairs?.origin).toMatchObject({ dimension: 'pair', value: 'node1 <-> node2' });
    expect(pairs?.likelyCause).toMatch(/route or tunnel between these nodes/);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });
});
