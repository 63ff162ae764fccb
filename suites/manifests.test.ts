// Every suite's file defines exactly the checks its manifest declares, with the same descriptions,
// in the same order: `shakedown list` (which reads only the manifests) shows what a run runs.
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, discoverSuites, loadSuites } from '../helpers/engine/suites.ts';
import { collectSuites } from '../helpers/engine/testing/collect.ts';
import { describePermission, requiredPermissions } from '../helpers/kube/permissions.ts';

async function asked(name: string): Promise<string[]> {
  const suite = (await loadSuites(discoverSuites())).find((s) => s.name === name);
  if (suite === undefined) throw new Error(`no suite ${name}`);
  return requiredPermissions([suite.manifest], 'auto').required.map((p) => describePermission(p, 'RUN'));
}

describe('suite manifests', () => {
  it('declare exactly the checks each suite file defines', { timeout: 120_000 }, async () => {
    const suites = await loadSuites(discoverSuites());
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['dns', 'netpol', 'nodeport', 'services', 'smoke']));
    const collected = await collectSuites(
      PACKAGE_ROOT,
      suites.map((s) => s.file),
    );
    for (const suite of suites) {
      const found = collected.find((c) => c.name === suite.name);
      expect(found?.errors, `suite ${suite.name} loads`).toEqual([]);
      expect(found?.checks, `suite ${suite.name}`).toEqual(suite.manifest.checks.map((c) => ({ title: c.title, description: c.description })));
    }
  });
});

describe('what preflight asks for each suite', () => {
  it('services: its Services and their endpoints, no NetworkPolicy', async () => {
    const services = await asked('services');
    expect(services).toEqual(
      expect.arrayContaining([
        'create services in namespace RUN',
        'list endpointslices (discovery.k8s.io) in namespace RUN',
        'get pods/proxy in namespace RUN',
      ]),
    );
    expect(services.some((p) => p.includes('networkpolicies'))).toBe(false);
  });

  it('netpol: creating and deleting policies, its own namespaces, exec into its pods, the plugin facts', async () => {
    expect(await asked('netpol')).toEqual(
      expect.arrayContaining([
        'create networkpolicies (networking.k8s.io) in namespace RUN',
        'delete networkpolicies (networking.k8s.io) in namespace RUN',
        'create pods/exec in namespace RUN',
        'create namespaces',
        'list daemonsets (apps)',
        'get /apis',
      ]),
    );
  });

  it('dns: EndpointSlices of a static headless Service, CoreDNS in kube-system', async () => {
    expect(await asked('dns')).toEqual(
      expect.arrayContaining([
        'create endpointslices (discovery.k8s.io) in namespace RUN',
        'list pods in namespace kube-system',
        'list services in namespace kube-system',
        'get configmaps in namespace kube-system',
      ]),
    );
  });

  it('nodeport: Services cluster-wide (the nodePorts in use) and the nodes', async () => {
    expect(await asked('nodeport')).toEqual(expect.arrayContaining(['list services', 'list nodes', 'create services in namespace RUN']));
  });
});
