// The netpol suite on the local cluster (kube-router enforcing): every case passes, each change's
// enforcement latency is reported, and the run leaves none of its namespaces behind.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG, namespacesOfRun, readReport, shakedown } from './netpol-cluster.ts';

describe('netpol suite on the local cluster', () => {
  it('passes every case and reports the enforcement latencies', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-netpol-')), 'report.json');
    const started = performance.now();
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'netpol', '--json', out]);
    const report = readReport(out);
    const failures = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.status} ${r.check}: ${r.message}`);
    expect(failures).toEqual([]);
    expect(ran.code).toBe(0);
    const latency = report.results.find((r) => r.check.endsWith('enforcement latency within the bound'));
    expect(latency?.message).toMatch(/changes: min .* median .* max/);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
    console.log(`netpol run: ${((performance.now() - started) / 1000).toFixed(1)} s; ${latency?.message}`);
  });
});
