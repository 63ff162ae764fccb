// Faults below Services and DNS, injected into the local cluster one at a time (each under the
// fault lock, each restored and checked restored whatever happens), and the suites above the pod
// network must name the layer that broke, not kube-proxy or CoreDNS:
// 1. node2's route to node1's pods blackholed: the services suite names the pod network between
//    node1 and node2.
// 2. node2's link MTU below the pods' MTU: the services and dns suites name the path MTU into node2.
// 3. UDP dropped between the nodes (raw table, TCP untouched): the network suite says "only UDP",
//    and the dns suite's failures are that same finding.
// 4. The upstream resolver's port 53 dropped: the dns suite clears cluster DNS and names the upstream.
// 5. A CoreDNS rollout restart just completed (old pods still terminating): the dns suite passes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout } from '../ci/cluster/layout.ts';
import { KUBECONFIG, readReport, shakedown, type Report, type ReportResult } from './cli-child.ts';
import { harness, withFaultLock } from './cluster-kit.ts';
import { namespacesOfRun } from './netpol-cluster.ts';

const node1 = nodeLayout(1);
const node2 = nodeLayout(2);
const UPSTREAM_NETNS = 'sdk-upstream';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' }).trim();
const iptables = (netns: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', netns, 'iptables', ...args], { encoding: 'utf8' });

async function run(suites: string): Promise<{ code: number | null; report: Report; seconds: number }> {
  const out = join(mkdtempSync(join(tmpdir(), 'sd-layer-fault-')), 'report.json');
  const started = performance.now();
  const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', suites, '--json', out]);
  const report = readReport(out);
  const seconds = (performance.now() - started) / 1000;
  for (const r of report.results.filter((r) => r.status === 'fail'))
    console.log(
      `  ${r.suite} › ${r.check}: ${r.message.slice(0, 200)}\n    suspect: ${r.origin?.suspect ?? '-'}; cause: ${(r.likelyCause ?? '-').slice(0, 200)}`,
    );
  return { code: ran.code, report, seconds };
}

const failed = (report: Report, suite: string): ReportResult[] => report.results.filter((r) => r.suite === suite && r.status === 'fail');

// Holds a fault for one body: applies it, runs the body, undoes it and checks it undone.
async function withFault<T>(apply: () => void, undo: () => void, restored: () => boolean, body: () => Promise<T>): Promise<T> {
  return withFaultLock('network', async () => {
    try {
      apply();
      return await body();
    } finally {
      undo();
      if (!restored()) throw new Error('the fault was not undone');
    }
  });
}

describe('faults below Services and DNS are named at their layer', () => {
  it("names the route between the nodes, not kube-proxy, when node2's route to node1's pods is blackholed", async () => {
    const original = ip('-n', node2.netns, 'route', 'show', node1.podCidr);
    const { code, report, seconds } = await withFault(
      () => ip('-n', node2.netns, 'route', 'replace', 'blackhole', node1.podCidr),
      () => ip('-n', node2.netns, 'route', 'replace', ...original.split(/\s+/)),
      () => ip('-n', node2.netns, 'route', 'show', node1.podCidr) === original,
      () => run('services'),
    );
    console.log(`services suite with ${node2.name}'s route to ${node1.podCidr} blackholed: ${seconds.toFixed(1)} s`);
    expect(code).toBe(1);
    const services = failed(report, 'services').filter((r) => r.origin !== undefined);
    expect(services.length).toBeGreaterThan(0);
    for (const r of services) {
      expect(r.origin?.suspect, r.check).toBe(`the pod network between ${node1.name} and ${node2.name}`);
      expect(r.likelyCause, r.check).toMatch(
        /^the layer below fails, so .* is not the first suspect: direct pod-to-pod probes between the probes on node1 and node2, both ways, probes fail/,
      );
    }
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it("names the path MTU into node2, not kube-proxy or a CoreDNS replica, when node2's link carries less than the pods' MTU", async () => {
    const mtu = () => Number(/\bmtu (\d+)\b/.exec(ip('-n', node2.netns, '-o', 'link', 'show', 'eth0'))?.[1]);
    const original = mtu();
    const { code, report, seconds } = await withFault(
      () => ip('-n', node2.netns, 'link', 'set', 'eth0', 'mtu', '1280'),
      () => ip('-n', node2.netns, 'link', 'set', 'eth0', 'mtu', String(original)),
      () => mtu() === original,
      () => run('services,dns'),
    );
    console.log(`services and dns suites with ${node2.name}'s link at MTU 1280: ${seconds.toFixed(1)} s`);
    expect(code).toBe(1);
    // Small Service requests may pass (HTTP fits in any MTU); what fails, in either suite, is the MTU's.
    const failures = [...failed(report, 'services'), ...failed(report, 'dns')];
    const pathMtu = `the path MTU from ${node1.name} to ${node2.name}`;
    expect(failures.map((r) => r.origin?.suspect)).toContain(pathMtu);
    for (const r of failures.filter((r) => r.origin !== undefined)) expect(r.origin?.suspect, r.check).toBe(pathMtu);
    for (const r of failures.filter((r) => r.origin?.suspect === pathMtu)) expect(r.likelyCause, r.check).toMatch(/MTU black hole/);
    // A check that failed on a diagnosis (node2's kubelet lagging behind the same link) carries no likely cause.
    for (const r of failures) expect(r.likelyCause ?? '', r.check).not.toMatch(/^(Service traffic from|kube-proxy)/);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it('says only UDP fails between the nodes, and the DNS failures are that one finding', async () => {
    const rules = [
      [node2.netns, node1.podCidr],
      [node1.netns, node2.podCidr],
    ] as const;
    const rule = (action: '-I' | '-D', netns: string, from: string) =>
      iptables(netns, '-t', 'raw', action, 'PREROUTING', '-p', 'udp', '-s', from, '-j', 'DROP');
    const { code, report, seconds } = await withFault(
      () => rules.forEach(([netns, from]) => rule('-I', netns, from)),
      () => rules.forEach(([netns, from]) => rule('-D', netns, from)),
      () => rules.every(([netns]) => !iptables(netns, '-t', 'raw', '-S', 'PREROUTING').includes('DROP')),
      () => run('network,dns'),
    );
    console.log(`network and dns suites with UDP dropped between the nodes: ${seconds.toFixed(1)} s`);
    expect(code).toBe(1);
    const suspect = `UDP between ${node1.name} and ${node2.name}`;
    const pairs = failed(report, 'network').find((r) => r.check === 'every node pair, both ways, small and large payloads');
    expect(pairs?.message).toMatch(/^between the probes on node1 and node2, both ways, only UDP fails, TCP passes/);
    expect(pairs?.origin?.suspect).toBe(suspect);
    expect(pairs?.likelyCause).toMatch(/^UDP is dropped between these nodes while TCP passes/);
    const dns = failed(report, 'dns');
    expect(dns.length).toBeGreaterThan(0);
    for (const r of dns) expect(r.origin?.suspect, r.check).toBe(suspect);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it("clears cluster DNS and names the upstream when the upstream resolver's port 53 is dropped", async () => {
    const protocols = ['udp', 'tcp'];
    const { code, report, seconds } = await withFault(
      () => protocols.forEach((p) => iptables(UPSTREAM_NETNS, '-I', 'INPUT', '-p', p, '--dport', '53', '-j', 'DROP')),
      () => protocols.forEach((p) => iptables(UPSTREAM_NETNS, '-D', 'INPUT', '-p', p, '--dport', '53', '-j', 'DROP')),
      () => !iptables(UPSTREAM_NETNS, '-S', 'INPUT').includes('DROP'),
      () => run('dns'),
    );
    console.log(`dns suite with the upstream's port 53 dropped: ${seconds.toFixed(1)} s`);
    expect(code).toBe(1);
    expect(failed(report, 'dns').map((r) => r.check)).toEqual(['a name outside the cluster resolves through the upstream']);
    const [upstream] = failed(report, 'dns');
    expect(upstream?.likelyCause).toMatch(
      /^cluster DNS works \(kubernetes\.default\.svc\.cluster\.local resolves through the same servers from every node\) but external\.shakedown\.test gets no answer \(timeout\): CoreDNS's upstream does not answer; the Corefile forwards/,
    );
    expect(upstream?.likelyCause).not.toMatch(/neither the DNS Service nor any CoreDNS pod/);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it('passes right after a CoreDNS rollout restart has completed', async () => {
    const { code, report, seconds } = await withFaultLock('dns', async () => {
      await harness('kubectl', '-n', 'kube-system', 'rollout', 'restart', 'deployment/coredns');
      await harness('kubectl', '-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=180s');
      return run('dns');
    });
    console.log(`dns suite right after a CoreDNS rollout: ${seconds.toFixed(1)} s`);
    for (const r of report.results.filter((r) => r.suite === 'dns' && r.check.startsWith('CoreDNS replicas'))) console.log(`  ${r.check}: ${r.message}`);
    expect(failed(report, 'dns')).toEqual([]);
    expect(code).toBe(0);
  });
});
