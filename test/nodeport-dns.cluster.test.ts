// The nodeport and dns suites against the real local cluster, in a child process: every check
// passes (none skipped: the runner reaches the nodes and the stub upstream answers), the DNS
// latency figures are printed, and the run leaves no namespace behind.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openKubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG, shakedown, type ReportResult } from './cli-child.ts';

describe('the nodeport and dns suites on the local cluster', () => {
  for (const suite of ['nodeport', 'dns']) {
    it(`${suite}: every check passes and nothing is left behind`, async () => {
      const out = mkdtempSync(join(tmpdir(), `sd-${suite}-`));
      const started = performance.now();
      const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', suite, '--json', join(out, 'report.json')]);
      const seconds = (performance.now() - started) / 1000;
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { runId: string }; results: ReportResult[] };
      const mine = report.results.filter((r) => r.suite === suite);
      console.log(`${suite} run: ${seconds.toFixed(1)} s, ${mine.length} checks`);
      for (const r of mine) console.log(`  ${r.status} ${r.check}: ${r.skipReason ?? r.message}`);
      expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.check}: ${r.message}`)).toEqual([]);
      expect(mine.filter((r) => r.status === 'skip').map((r) => `${r.check}: ${r.skipReason}`)).toEqual([]);
      expect(mine.length).toBeGreaterThanOrEqual(5);
      expect(ran.code).toBe(0);
      if (suite === 'dns') {
        expect(mine.find((r) => r.check.includes('a short burst of lookups'))?.message).toMatch(/^500 queries: p50 [\d.]+ms, p99 [\d.]+ms/);
        // Pods behind a dozen Services: their PTR answers came truncated over UDP and whole over TCP.
        expect(mine.find((r) => r.check === 'PTR for a ClusterIP and for pod IPs')?.message).toContain('truncated over UDP, complete over TCP');
        // Large answers (EDNS0 over UDP, and TCP) arrived whole from every node.
        expect(mine.find((r) => r.check.startsWith('a response too large for UDP'))?.message).toMatch(
          /whole over UDP with EDNS0 and over TCP \(\d{4,} bytes\) from 2 node\(s\)/,
        );
      }
      const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
      try {
        expect((await session.clients.core.listNamespace({ labelSelector: ownedSelector(report.run.runId) })).items).toEqual([]);
      } finally {
        await session.close();
      }
    });
  }
});
