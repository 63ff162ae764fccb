import { describe, expect, it } from 'vitest';
import { defineManifest, type SetupNeed, type SuiteManifest, type SuitePermission } from '../engine/manifest.ts';
import { clusterRoleRules, describePermission, rbacRules, requiredPermissions, runNeeds } from './permissions.ts';

function suite(name: string, setup: SetupNeed[], permissions: SuitePermission[] = []): SuiteManifest {
  return defineManifest({ name, description: `suite ${name}`, checks: {}, options: {}, permissions, setup, exclusive: false, images: [] });
}

const names = (plan: { required: SuitePermission[] }) => plan.required.map((p) => describePermission(p, 'sd-run'));

describe('requiredPermissions', () => {
  it('derives the engine share from the setup needs: nothing written for read-only suites', () => {
    const readOnly = requiredPermissions([suite('health', [], [{ url: '/metrics', verb: 'get', why: 'scraping' }])], 'auto');
    expect(names(readOnly)).toEqual(['get /version', 'list nodes', 'get /metrics']);
    expect(readOnly.optional).toEqual([]);
    const own = names(requiredPermissions([suite('storage', ['namespaces'])], 'auto'));
    expect(own).toContain('create namespaces');
    expect(own).toContain('patch namespaces');
    // Namespaces of its own come with their pods (the agent bundle and token copied in), never the proxy to the fleet.
    expect(own).toEqual(
      expect.arrayContaining([
        'create pods in namespace sd-run',
        'list pods in namespace sd-run',
        'get configmaps in namespace sd-run',
        'create secrets in namespace sd-run',
      ]),
    );
    expect(own.some((p) => p.includes('pods/proxy'))).toBe(false);
    const fleet = requiredPermissions([suite('echo', ['fleet'])], 'auto');
    expect(names(fleet)).toEqual(
      expect.arrayContaining([
        'create pods in namespace sd-run',
        'get pods/proxy in namespace sd-run',
        'create pods/proxy in namespace sd-run',
        'create secrets in namespace sd-run',
      ]),
    );
    expect(names(fleet)).not.toContain('create pods/exec in namespace sd-run');
    expect(fleet.optional.map((p) => describePermission(p, 'sd-run'))).toEqual(['create pods/exec in namespace sd-run', 'get pods/exec in namespace sd-run']);
  });

  it('adds each suite its own, once, naming every suite that needs it', () => {
    const why = 'reading the Service';
    const plan = requiredPermissions(
      [
        suite('a', ['fleet'], [{ verb: 'get', resource: 'services', scope: { namespace: 'default' }, why }]),
        suite(
          'b',
          ['fleet'],
          [
            { verb: 'get', resource: 'services', scope: { namespace: 'default' }, why: 'the kubernetes ClusterIP' },
            { verb: 'create', resource: 'pods', subresource: 'exec', scope: 'run', why: 'probing from inside' },
          ],
        ),
      ],
      'auto',
    );
    const service = plan.required.filter((p) => describePermission(p, 'ns') === 'get services in namespace default');
    expect(service).toEqual([expect.objectContaining({ by: 'a, b', why: 'reading the Service; the kubernetes ClusterIP' })]);
    // Required by a suite, creating an exec is no longer an optional fallback (its websocket GET still is).
    expect(plan.optional.map((p) => describePermission(p, 'ns'))).toEqual(['get pods/exec in namespace ns']);
    expect(plan.required.find((p) => describePermission(p, 'ns') === 'create pods/exec in namespace ns')?.by).toBe('b');
  });

  it('knows what a set of suites needs from setup', () => {
    expect(runNeeds([suite('x', [])])).toEqual({ namespaces: false, fleet: false, ownPods: false });
    expect(runNeeds([suite('x', []), suite('y', ['namespaces'])])).toEqual({ namespaces: true, fleet: false, ownPods: true });
    expect(runNeeds([suite('x', ['fleet'])])).toEqual({ namespaces: true, fleet: true, ownPods: false });
  });
});

describe('rbacRules', () => {
  it('folds permissions into ClusterRole rules: one per group and resource, verbs merged, URLs apart', () => {
    expect(
      rbacRules([
        { verb: 'list', resource: 'pods', scope: 'run', why: 'w' },
        { verb: 'create', resource: 'pods', scope: 'run', why: 'w' },
        { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'w' },
        { verb: 'create', resource: 'pods', subresource: 'exec', scope: 'run', why: 'w' },
        { verb: 'delete', resource: 'networkpolicies', group: 'networking.k8s.io', scope: 'run', why: 'w' },
        { url: '/readyz', verb: 'get', why: 'w' },
      ]),
    ).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete'] },
      { nonResourceURLs: ['/readyz'], verbs: ['get'] },
    ]);
  });
});

describe('clusterRoleRules', () => {
  it('grants what a run of the suites needs, the exec fallback only when asked', () => {
    const rules = clusterRoleRules([suite('echo', ['fleet'])], 'auto');
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['pods/proxy'], verbs: ['create', 'get'] });
    expect(rules.some((rule) => rule.resources?.includes('pods/exec'))).toBe(false);
    expect(clusterRoleRules([suite('echo', ['fleet'])], 'auto', { withFallback: true })).toContainEqual({
      apiGroups: [''],
      resources: ['pods/exec'],
      verbs: ['create', 'get'],
    });
    expect(clusterRoleRules([suite('health', [])], 'auto')).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      { nonResourceURLs: ['/version'], verbs: ['get'] },
    ]);
  });
});
