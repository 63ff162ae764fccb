// The control plane broken on purpose, four ways, on the real local cluster: the scheduler hung,
// the controller-manager hung, one node's kubelet hung, etcd hung (SIGSTOP: the process lives, its ports stay
// open, it does nothing). For each, a run needing probe pods must end within a bound and name the
// component (and the node) from what the cluster shows, never "not ready after N s". Each fault is
// undone (SIGCONT, and a component that exited meanwhile started again) even when the test fails,
// and a clean run at the end shows the cluster whole again.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownedSelector } from '../helpers/run/labels.ts';
import { poll } from '../helpers/wait/poll.ts';
import { KUBECONFIG, shakedown, type Ran } from './cli-child.ts';
import { faultLock, harness, waitHealthy, waitOthersFaults, withSession } from './cluster-kit.ts';

// Other tests on this machine wait while this file exists (the cluster is broken on purpose).
const LOCK = faultLock();
// A broken-component run must end well within this (setup timeout is 120 s).
const RUN_BOUND_MS = 90_000;

interface Report {
  run: { runId: string };
  complete: boolean;
  errors: { code: string; message: string; details: string | null; hint: string }[];
  results: {
    suite: string;
    check: string;
    status: string;
    message: string;
    likelyCause?: string;
    origin?: { dimension: string; value: string; confidence: string };
  }[];
}

const work = mkdtempSync(join(tmpdir(), 'sd-faults-'));
const timings: string[] = [];

async function run(name: string): Promise<{ ran: Ran; report: Report; ms: number }> {
  const json = join(work, `${name}.json`);
  const started = Date.now();
  const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'smoke', '--json', json]);
  const ms = Date.now() - started;
  timings.push(`${name}: ended after ${(ms / 1000).toFixed(1)} s with exit code ${ran.code}`);
  return { ran, report: JSON.parse(readFileSync(json, 'utf8')) as Report, ms };
}

async function waitGone(runId: string, timeoutMs = 120_000): Promise<void> {
  const left = await poll(
    () => withSession(async (session) => (await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) })).items.length),
    (n) => n === 0,
    { timeoutMs, intervalMs: 1000 },
  );
  if (!left.ok) throw new Error(`namespaces of run ${runId} still there after the cluster healed`);
}

// Puts the fault in place for the body and always undoes it.
async function withFault<T>(component: string, body: () => Promise<T>, node?: string): Promise<T> {
  await waitOthersFaults(LOCK);
  writeFileSync(LOCK, `${component}\n`);
  try {
    await harness('fault', 'hang', component, ...(node === undefined ? [] : ['--node', node]));
    return await body();
  } finally {
    await harness('fault', 'resume');
    await waitHealthy();
    rmSync(LOCK, { force: true });
  }
}

describe('a run on a cluster with a hung control-plane component', () => {
  afterAll(async () => {
    await harness('fault', 'resume').catch(() => undefined);
    rmSync(LOCK, { force: true });
    rmSync(work, { recursive: true, force: true });
    console.log(`control-plane faults:\n  ${timings.join('\n  ')}`);
  });

  it('starts from a healthy cluster whose scheduler and controller-manager elect leaders', async () => {
    await waitHealthy();
  });

  it('names the scheduler when it is hung, within the bound', async () => {
    const { ran, report, ms } = await withFault('kube-scheduler', () => run('scheduler-hung'));
    expect(ran.code, ran.stderr).toBe(2);
    expect(report.errors[0]?.code).toBe('SD_SETUP_FAILED');
    expect(report.errors[0]?.message).toMatch(
      /^kube-scheduler is at fault \(high confidence\): kube-scheduler is not scheduling: \d+ pod\(s\) unbound .*leader Lease kube-system\/kube-scheduler was last renewed \d+ s ago/,
    );
    expect(`${ran.stdout}${ran.stderr}`).not.toMatch(/not ready after/);
    expect(ms).toBeLessThan(RUN_BOUND_MS);
    await waitGone(report.run.runId);
  });

  it('names the controller-manager when it is hung, and says why the namespace stays Terminating, within the bound', async () => {
    const { ran, report, ms } = await withFault('kube-controller-manager', () => run('controller-manager-hung'));
    expect(ran.code, ran.stderr).toBe(2);
    expect(report.errors[0]?.message).toMatch(
      /^kube-controller-manager is at fault \(\w+ confidence\): kube-controller-manager has not created the default ServiceAccount of the new namespace/,
    );
    const teardown = report.results.find((r) => r.suite === 'setup' && r.status === 'fail' && /Terminating/.test(r.message));
    expect(teardown?.message ?? report.results.map((r) => `${r.check}: ${r.message}`).join('\n')).toMatch(
      /namespace controller \(kube-controller-manager\) is not running/,
    );
    expect(ms).toBeLessThan(RUN_BOUND_MS);
    // Resumed, the namespace controller finishes the deletion itself.
    await waitGone(report.run.runId);
  });

  it('names the kubelet of the one node that is hung, and runs on the other node', async () => {
    const { ran, report, ms } = await withFault('kubelet', () => run('kubelet-hung'), 'node2');
    expect(ran.code, `${ran.stdout}${ran.stderr}`).toBe(1);
    const left = report.results.find((r) => r.suite === 'setup' && r.check === 'probe fleet on every schedulable node');
    expect(left).toMatchObject({ status: 'fail', origin: { dimension: 'component', value: 'kubelet on node2', confidence: 'high' } });
    expect(left?.message).toMatch(/^no probe agent on node2: kubelet on node2 is at fault/);
    expect(left?.likelyCause).toMatch(/node Lease kube-node-lease\/node2 was last renewed \d+ s ago/);
    const smoke = report.results.filter((r) => r.suite === 'smoke');
    expect(smoke.length).toBeGreaterThan(0);
    expect(smoke.filter((r) => r.status === 'fail').map((r) => `${r.check}: ${r.message}`)).toEqual([]);
    expect(ms).toBeLessThan(RUN_BOUND_MS);
    await waitGone(report.run.runId);
  });

  it("names etcd when it is hung, from the API server's own health report, within the bound", async () => {
    const json = join(work, 'etcd-hung.json');
    const { ran, ms } = await withFault('etcd', async () => {
      const started = Date.now();
      const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'smoke', '--json', json]);
      return { ran, ms: Date.now() - started };
    });
    timings.push(`etcd-hung: ended after ${(ms / 1000).toFixed(1)} s with exit code ${ran.code}`);
    expect(ran.code, ran.stderr).toBe(2);
    expect(`${ran.stdout}${ran.stderr}`).toMatch(
      /SD_API_UNHEALTHY: etcd is at fault \(high confidence\): etcd does not answer the API server: its own health check reports \[-\]etcd/,
    );
    expect(ms).toBeLessThan(RUN_BOUND_MS);
  });

  it("reads one node's hung kube-proxy as one reason, however many checks it breaks and from which side", async () => {
    const json = join(work, 'kube-proxy-hung.json');
    const { ran, report } = await withFault(
      'kube-proxy',
      async () => {
        const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'services', '--suite', 'nodeport', '--json', json]);
        return {
          ran,
          report: JSON.parse(readFileSync(json, 'utf8')) as Report & { correlations: { suspect?: string; checks: string[]; origins?: string[] }[] },
        };
      },
      'node2',
    );
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => `${r.suite} › ${r.check}`);
    timings.push(
      `kube-proxy-hung on node2: ${failed.length} failed checks, correlations: ${report.correlations.map((c) => `${c.suspect ?? '?'} (${c.checks.length})`).join(', ')}`,
    );
    expect(ran.code, ran.stderr).toBe(1);
    expect(failed.length).toBeGreaterThan(2);
    expect(report.correlations).toHaveLength(1);
    expect(report.correlations[0]?.suspect).toBe('kube-proxy on node2');
    expect(report.correlations[0]?.checks.sort()).toEqual(failed.sort());
    await waitGone(report.run.runId);
  });

  it('passes again once every component is back', async () => {
    const { ran, report } = await run('healed');
    expect(ran.code, `${ran.stdout}${ran.stderr}`).toBe(0);
    expect(report.results.filter((r) => r.status === 'fail')).toEqual([]);
  });
});
