// With the local cluster's NetworkPolicy enforcer stopped (kube-router off, its rules removed),
// the netpol suite reports ONE failure, "NetworkPolicy is not enforced by this cluster's network
// plugin: <plugin>", and skips every dependent case with that sentence. The enforcer is switched
// back on whatever happens, and kept off only for this one run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBECONFIG, enforcer, namespacesOfRun, readReport, shakedown } from './netpol-cluster.ts';

const SENTENCE = "NetworkPolicy is not enforced by this cluster's network plugin: ";

describe('netpol suite when NetworkPolicy is not enforced', () => {
  afterAll(() => enforcer('on'));

  it('gives one clear verdict naming the plugin and skips the dependent cases with it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-netpol-off-')), 'report.json');
    let ran;
    try {
      await enforcer('off');
      // A short bound: with nothing enforcing, the verdict waits it out once.
      ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'netpol', '--json', out], { env: { SHAKEDOWN_NETPOL_BOUND: '8s' } });
    } finally {
      await enforcer('on');
    }
    const report = readReport(out);
    const netpol = report.results.filter((r) => r.suite === 'netpol');
    const failed = netpol.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.check)).toEqual(['truth tables › NetworkPolicy is enforced (default deny ingress)']);
    const [verdict] = failed;
    expect(verdict?.classification).toBe('not-enforced');
    expect(verdict?.message.startsWith(SENTENCE)).toBe(true);
    const plugin = verdict?.message.slice(SENTENCE.length) ?? '';
    // kube-router runs as host processes here: nothing in the API names it, and the verdict says so.
    expect(plugin).toMatch(/^unknown \(no known network plugin DaemonSet/);
    const others = netpol.filter((r) => r !== verdict);
    expect(others.length).toBeGreaterThanOrEqual(11);
    for (const r of others)
      expect({ check: r.check, status: r.status, skipReason: r.skipReason }).toEqual({ check: r.check, status: 'skip', skipReason: verdict?.message });
    expect(ran.code).toBe(1);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });
});
