// Service routing: ClusterIP port mapping (port != targetPort, named targetPort, multi-port),
// load spread, session affinity, headless DNS, EndpointSlices, readiness, no-endpoint refusal,
// hairpin and cross-node paths. The checks are the cases of services-cases.ts, run by
// services-run.ts. Their Services select the suite's OWN backend pods, in its own namespace (a
// file-scoped fixture), never the shared fleet; the readiness check, which disturbs a pod, gets pods
// of its own (check-scoped). Probes start from the shared fleet's agents, one per sampled node.
import { afterAll } from 'vitest';
import { check, defineSuite, group } from '../../helpers/engine/check.ts';
import { matrixAgents } from '../../helpers/fleet/plan.ts';
import { defineFixtures, fixture } from '../../helpers/fixtures/fixture.ts';
import { fleetFixture, resolvConfOf } from '../../helpers/fixtures/fleet.ts';
import { ownPods, type OwnPods } from '../../helpers/fixtures/own-pods.ts';
import type { FleetDescriptor } from '../../helpers/fleet/descriptor.ts';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { CASES, READINESS_CASE, type World } from './services-cases.ts';
import { runCase } from './services-run.ts';
import manifest from './manifest.ts';

const fixtures = defineFixtures({
  fleet: fleetFixture(),
  backends: ownPods('file', { suffix: 'svc', count: 3, purpose: 'services suite: the backend pods of its Services' }),
  readinessBackends: ownPods('check', { suffix: 'svc-ready', count: 2, purpose: 'services suite: backends the readiness check makes not ready' }),
  dns: fixture({
    scope: 'file',
    deps: ['fleet'],
    setup: async (deps, c) => {
      const [source] = matrixAgents(deps['fleet'] as FleetDescriptor);
      if (source === undefined) return undefined;
      const resolvConf = await resolvConfOf(source, (await c.cluster()).transport, c.signal);
      const server = resolvConf.nameservers[0];
      const domain = resolvConf.search.find((entry) => entry.startsWith('svc.'))?.slice('svc.'.length) ?? 'cluster.local';
      return server === undefined ? undefined : { server, domain };
    },
  }),
});

function world(c: CheckContext, fleet: FleetDescriptor, backends: OwnPods, dns: World['dns']): World {
  return {
    namespace: backends.namespace,
    backends: backends.agents,
    sources: matrixAgents(fleet),
    timeoutMs: c.run.timeouts.probeMs,
    ...(dns === undefined ? {} : { dns }),
  };
}

defineSuite(manifest, () => {
  afterAll(() => fixtures.close());

  for (const kase of CASES) {
    check(manifest.check[kase.check], (c) =>
      fixtures.within(c, async (use) => {
        const [fleet, backends, dns] = await Promise.all([use('fleet'), use('backends'), use('dns')]);
        await runCase(c, kase, world(c, fleet, backends, dns), (await c.cluster()).transport);
      }),
    );
  }

  // Makes a backend not ready: on pods of its own, so it runs beside the others.
  group('readiness', {}, () => {
    check(manifest.check[READINESS_CASE.check], (c) =>
      fixtures.within(c, async (use) => {
        const [fleet, backends, dns] = await Promise.all([use('fleet'), use('readinessBackends'), use('dns')]);
        await runCase(c, READINESS_CASE, world(c, fleet, backends, dns), (await c.cluster()).transport);
      }),
    );
  });
});
