// NetworkPolicy: first the verdict (is a default deny enforced at all?), then a truth table per
// case over 3 namespaces x 3 pods x TCP/UDP 9000/9001, probed through the agents' batch API,
// with the enforcement latency of every change. When policies are not enforced, one failure names
// the network plugin and every case is skipped with that reason; when they are not enforced on some
// nodes, one failure names those nodes and their enforcer, and the cases whose policies select a
// pod there fail with it. Policies live only in the run's namespaces; namespace selectors always
// carry the run's id. The verdict and the cases run at once, each on a lane of its own (an x of its
// own, y and z shared: world-model.ts), the cases taking the lanes in their declared order; the
// latency check comes after all of them.
import { afterAll } from 'vitest';
import { check, defineSuite, group } from '../../helpers/engine/check.ts';
import { declaredCheck } from '../../helpers/engine/manifest.ts';
import { figureEvidence } from '../../helpers/evidence.ts';
import manifest from './manifest.ts';
import { CASES, DEFAULT_DENY_INGRESS, GROUP } from './netpol-cases.ts';
import { enforcementBoundMs } from './netpol-run.ts';
import { netpolFixtures, withState } from './netpol-state.ts';
import { decideEnforcement, dependentCase, dependentSkipReason } from './netpol-verdict.ts';

defineSuite(manifest, () => {
  // The exec sessions closed and the namespaces' deletion requested as soon as the suite is done.
  afterAll(() => netpolFixtures.close());
  // Concurrent: a case waits for a free lane (netpol-state.ts), never for the case before it.
  group(GROUP, {}, () => {
    check(declaredCheck(manifest, DEFAULT_DENY_INGRESS.id), withState(decideEnforcement));
    for (const spec of CASES) {
      check(
        declaredCheck(manifest, spec.id),
        withState((c, state) => dependentCase(c, state, spec)),
      );
    }
  });
  // After every case: a group runs when the one before it has ended.
  group(GROUP, {}, () => {
    check(
      declaredCheck(manifest, 'latency'),
      withState(async (c, state) => {
        const { latencies } = state;
        const reason = dependentSkipReason(state);
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
            { name: 'bound', value: enforcementBoundMs(c.run) },
          ),
        );
        c.note(
          `${latencies.length} changes: min ${(at(0) / 1000).toFixed(1)} s, median ${(at(0.5) / 1000).toFixed(1)} s, max ${(at(1) / 1000).toFixed(1)} s (bound ${Math.round(enforcementBoundMs(c.run) / 1000)} s)`,
        );
      }),
    );
  });
});
