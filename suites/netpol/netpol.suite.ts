// NetworkPolicy: first the verdict (is a default deny enforced at all?), then a truth table per
// case over 3 namespaces x 3 pods x TCP/UDP 9000/9001, probed through the agents' batch API,
// with the enforcement latency of every change. When policies are not enforced, one failure names
// the network plugin and every case is skipped with that reason; when they are not enforced on some
// nodes, one failure names those nodes and their enforcer, and the cases whose policies select a
// pod there fail at once with it. Policies live only in the run's namespaces; namespace selectors
// always carry the run's id.
import { afterAll } from 'vitest';
import { check, defineSuite, group } from '../../helpers/engine/check.ts';
import { declaredCheck } from '../../helpers/engine/manifest.ts';
import { figureEvidence } from '../../helpers/evidence.ts';
import manifest from './manifest.ts';
import { CASES, DEFAULT_DENY_INGRESS, GROUP } from './netpol-cases.ts';
import { enforcementBoundMs } from './netpol-run.ts';
import { decideEnforcement, dependentCase, dependentSkipReason, latencies } from './netpol-verdict.ts';
import { closeWorld } from './netpol-world.ts';

defineSuite(manifest, () => {
  afterAll(closeWorld);
  // The cases share the pods and must not see each other's policies: one at a time, in order.
  group(GROUP, { sequential: true }, () => {
    check(declaredCheck(manifest, DEFAULT_DENY_INGRESS.id), decideEnforcement);
    for (const spec of CASES) {
      check(declaredCheck(manifest, spec.id), (c) => dependentCase(c, spec));
    }
    check(declaredCheck(manifest, 'latency'), async (c) => {
      const reason = dependentSkipReason();
      if (reason !== undefined) return c.skip(reason);
      if (latencies.length === 0) return c.skip('no latency was measured');
      const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      // A figure table (the HTML report draws it against the bound): each change, its latency and its last table step.
      c.evidence(
        figureEvidence(
          'enforcement latency per change',
          'change',
          ['ms', 'table-step-ms'],
          latencies.map((l) => ({ name: l.what, values: [Math.round(l.ms), Math.round(l.stepMs)] })),
          { name: 'bound', value: enforcementBoundMs() },
        ),
      );
      c.note(
        `${latencies.length} changes: min ${(at(0) / 1000).toFixed(1)} s, median ${(at(0.5) / 1000).toFixed(1)} s, max ${(at(1) / 1000).toFixed(1)} s (bound ${Math.round(enforcementBoundMs() / 1000)} s)`,
      );
    });
  });
});
