// The network suite on the local cluster as it is: every node pair both ways with small and large
// payloads, pods to the other nodes' kubelet ports, the runner to pod IPs (routed here), and the
// pods' MTUs all pass; the probe count and the wall time are printed for the closing note.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitOthersFaults } from './cluster-kit.ts';
import { KUBECONFIG, namespacesOfRun, readReport, shakedown } from './netpol-cluster.ts';

const DATA_PATH = [
  'pod interface MTUs agree across nodes',
  'every node pair, both ways, small and large payloads',
  "pods reach the other nodes' addresses",
  'the runner reaches pod IPs',
];

describe('the network suite on the local cluster', () => {
  it('passes: every node pair both ways, small and large, pods to nodes, the runner to pods', async () => {
    await waitOthersFaults();
    const out = join(mkdtempSync(join(tmpdir(), 'sd-network-')), 'report.json');
    const started = performance.now();
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'network', '--json', out]);
    const seconds = (performance.now() - started) / 1000;
    const report = readReport(out);
    const network = report.results.filter((r) => r.suite === 'network');
    for (const r of network) console.log(`  ${r.status} ${r.check}: ${r.message || r.skipReason || ''}`);
    console.log(`network suite alone on the local cluster: ${seconds.toFixed(1)} s wall time (the CLI child, setup and cleanup included)`);
    const byCheck = new Map(network.map((r) => [r.check, r]));
    for (const title of DATA_PATH) expect(byCheck.get(title)?.status, `${title}: ${byCheck.get(title)?.message}`).toBe('pass');
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => `${r.suite} › ${r.check}: ${r.message}`);
    expect(failed, ran.stdout + ran.stderr).toEqual([]);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    // 2 nodes: 2 ordered pairs x 4 probes (small and large, TCP and UDP).
    expect(byCheck.get(DATA_PATH[1] ?? '')?.message).toMatch(
      /^8 probes over 2 ordered node pairs of 2 nodes \(every ordered pair: 4 x N x \(N - 1\) = 4 x 2 x 1\); pod interface MTU \d+ on all 2 nodes/,
    );
    expect(byCheck.get(DATA_PATH[2] ?? '')?.message).toBe("2 handshakes from pods to other nodes' kubelet ports");
    // The host routes the pod ranges through the nodes here.
    expect(byCheck.get(DATA_PATH[3] ?? '')?.message).toBe('this machine reaches the pod IPs on all 2 nodes');
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });
});
