// With the local cluster's NetworkPolicy enforcer stopped on node2 alone (kube-router off there and
// its rules removed; node1's still enforcing), the netpol suite's verdict names node2 and the
// enforcer there, "not enforced on node2", once the default deny has had its bound (the default,
// 30 s); every case whose policies select a pod on node2 fails with that finding as soon as the
// verdict has it (one polling on another lane beside the verdict is stopped then, one starting later
// fails at once), pointing at the same component, and the cases that police only pods on node1
// pass. Under the fault lock; the enforcer is switched back on whatever happens.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, checkTitle, LATENCY_CHECK, VERDICT_CHECK } from '../suites/netpol/netpol-cases.ts';
import { policedPods } from '../suites/netpol/per-node.ts';
import { MODEL, placement } from '../suites/netpol/world-model.ts';
import { faultLock } from './cluster-kit.ts';
import { KUBECONFIG, enforcer, namespacesOfRun, readReport, shakedown, type ReportResult } from './netpol-cluster.ts';

const SUSPECT = 'the NetworkPolicy enforcer on node2';
// Nothing in the API names kube-router here (host processes): the verdict says so, and names the node.
const ENFORCER =
  'the enforcer on node2 is not visible in the API (no DaemonSet or pod of a known network plugin): if it runs at all, it runs as a host process on node2: look at it there';
// The world places pods round-robin over node1 and node2: x/b, y/a, y/c and z/b run on node2.
const ON_NODE2 = CASES.filter((spec) =>
  policedPods(
    spec.steps.flatMap((s) => s.create ?? []),
    placement(MODEL, ['node1', 'node2']),
  ).some((p) => p.node === 'node2'),
).map((spec) => checkTitle(spec.title));

const startMs = (r: ReportResult): number => Date.parse((r as ReportResult & { startedAt?: string }).startedAt ?? '');
const endMs = (r: ReportResult): number => startMs(r) + r.durationMs;

describe('netpol suite when NetworkPolicy is not enforced on one node', () => {
  afterAll(() => enforcer('on'));

  it('names node2 and its enforcer in one verdict within 60 s, and fails the cases that depend on node2 as soon as it does', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-netpol-node2-')), 'report.json');
    let ran;
    try {
      await enforcer('off', 'node2');
      // The default bound: the verdict waits it out once, the cases never again.
      ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'netpol', '--json', out], { env: { SHAKEDOWN_NETPOL_BOUND: '30s' } });
    } finally {
      await enforcer('on');
    }
    const report = readReport(out);
    const netpol = report.results.filter((r) => r.suite === 'netpol');
    for (const r of netpol) console.log(`  ${r.status} ${(r.durationMs / 1000).toFixed(1)} s ${r.check}: ${r.message}`);

    const verdict = netpol.find((r) => r.check === VERDICT_CHECK);
    expect(verdict?.status).toBe('fail');
    expect(verdict?.classification).toBe('not-enforced');
    expect(verdict?.message).toMatch(
      /^NetworkPolicy is not enforced on node2: a default deny of ingress into x held on node1 \(x\/a, x\/c: \d+ probes blocked\) and on none of node2's pods \(x\/b: \d+ probes reached\), 30 s after it was created; /,
    );
    expect(verdict?.message.endsWith(ENFORCER)).toBe(true);
    expect(verdict?.origin).toMatchObject({ dimension: 'target-node', value: 'node2', confidence: 'high', suspect: SUSPECT });
    expect(verdict?.likelyCause).toMatch(/^the NetworkPolicy enforcer on node2 \(not visible in the API, so a host process\) is stopped/);
    expect(verdict?.evidence.find((e) => e.label.startsWith('by node'))?.text).toMatch(
      /^node1: enforced; .*\nnode2: NOT enforced; policies select x\/b \(ingress\); 0 probe\(s\) it had to block blocked, \d+ reached$/,
    );

    // Every case that needs node2's enforcer fails with the verdict's finding as soon as the verdict
    // has it (at once when it starts later: it never waits out the bound); the rest pass.
    expect(ON_NODE2.length).toBe(4);
    const failed = netpol.filter((r) => r.status === 'fail' && r !== verdict);
    expect(failed.map((r) => r.check).sort()).toEqual([...ON_NODE2].sort());
    for (const r of failed) {
      expect(r.classification, r.check).toBe('not-enforced');
      expect(r.message, r.check).toMatch(
        /^NetworkPolicy is not enforced on node2 \(the enforcement verdict's finding\), and this case's policies select .*on node2: failed at once/,
      );
      expect(r.message.endsWith(ENFORCER), r.check).toBe(true);
      expect(r.origin?.suspect, r.check).toBe(SUSPECT);
      expect(endMs(r) - endMs(verdict as ReportResult), r.check).toBeLessThan(3000);
      if (startMs(r) >= endMs(verdict as ReportResult)) expect(r.durationMs, r.check).toBeLessThan(3000);
    }
    const others = netpol.filter((r) => r.status !== 'fail');
    expect(
      others.every((r) => r.status === 'pass'),
      others.map((r) => `${r.status} ${r.check}`).join('\n'),
    ).toBe(true);
    expect(others.map((r) => r.check)).toContain(LATENCY_CHECK);
    expect(ran.code).toBe(1);

    // The time to the named cause, from the start of the run; and the suite's time.
    const toVerdict = (endMs(verdict as ReportResult) - Date.parse(report.run.startedAt)) / 1000;
    const suite = (Math.max(...netpol.map(endMs)) - Date.parse(report.run.startedAt)) / 1000;
    console.log(
      `netpol with the enforcer off on node2: verdict after ${toVerdict.toFixed(1)} s of the run, the suite's last check done after ${suite.toFixed(1)} s`,
    );
    expect(toVerdict).toBeLessThan(60);

    // Nothing left behind: the run's namespaces (and their policies) are gone, the enforcer is on again and the lock released.
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
    expect(existsSync(faultLock('netpol-enforcer'))).toBe(false);
    // Waiting for other tests' faults to end comes first.
  }, 600_000);
});
