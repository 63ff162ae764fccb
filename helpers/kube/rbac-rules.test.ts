import { describe, expect, it } from 'vitest';
import {
  grantsResource,
  grantsUrl,
  readRulesReview,
  ruleGrants,
  urlRuleGrants,
  type NonResourceRule,
  type ResourceRequest,
  type ResourceRule,
  type UrlRequest,
} from './rbac-rules.ts';

// [what it shows, rule, request, granted]
const resourceCases: [string, ResourceRule, ResourceRequest, boolean][] = [
  ['exact verb, core group, resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verb: 'get', group: '', resource: 'pods' }, true],
  ['another verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verb: 'list', group: '', resource: 'pods' }, false],
  ['verbs are case-sensitive', { verbs: ['Get'], apiGroups: [''], resources: ['pods'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, { verb: 'deletecollection', group: '', resource: 'pods' }, true],
  [
    'one verb among several',
    { verbs: ['list', 'watch', 'create'], apiGroups: [''], resources: ['pods'] },
    { verb: 'create', group: '', resource: 'pods' },
    true,
  ],
  ['no verbs grant nothing', { verbs: [], apiGroups: ['*'], resources: ['*'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  [
    'the core group is not every group',
    { verbs: ['get'], apiGroups: [''], resources: ['leases'] },
    { verb: 'get', group: 'coordination.k8s.io', resource: 'leases' },
    false,
  ],
  [
    'a named group',
    { verbs: ['list'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    { verb: 'list', group: 'discovery.k8s.io', resource: 'endpointslices' },
    true,
  ],
  ['group *', { verbs: ['get'], apiGroups: ['*'], resources: ['leases'] }, { verb: 'get', group: 'coordination.k8s.io', resource: 'leases' }, true],
  ['no apiGroups grant nothing', { verbs: ['get'], resources: ['pods'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  ['another resource', { verbs: ['get'], apiGroups: [''], resources: ['services'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  ['resource *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { verb: 'get', group: '', resource: 'pods' }, true],
  [
    'resource * covers subresources',
    { verbs: ['create'], apiGroups: [''], resources: ['*'] },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
    true,
  ],
  [
    'a resource does not cover its subresources',
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    { verb: 'get', group: '', resource: 'pods', subresource: 'log' },
    false,
  ],
  [
    'a subresource does not cover its resource',
    { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
    { verb: 'get', group: '', resource: 'pods' },
    false,
  ],
  [
    'exact subresource',
    { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
    true,
  ],
  [
    'another subresource',
    { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] },
    { verb: 'create', group: '', resource: 'pods', subresource: 'attach' },
    false,
  ],
  [
    'the subresource of another resource',
    { verbs: ['get'], apiGroups: [''], resources: ['nodes/proxy'] },
    { verb: 'get', group: '', resource: 'pods', subresource: 'proxy' },
    false,
  ],
  [
    "*/scale covers any resource's scale",
    { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale' },
    true,
  ],
  [
    '*/scale is not the resource',
    { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verb: 'get', group: 'apps', resource: 'deployments' },
    false,
  ],
  [
    '*/scale is not another subresource',
    { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'status' },
    false,
  ],
  [
    '*/exec needs the whole subresource name',
    { verbs: ['create'], apiGroups: [''], resources: ['*/xec'] },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
    false,
  ],
  [
    'pods/* is a literal name, not a pattern',
    { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
    false,
  ],
  ['pods/* does not cover pods', { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }, { verb: 'get', group: '', resource: 'pods' }, false],
  [
    '*/* is a literal name, not a pattern',
    { verbs: ['get'], apiGroups: [''], resources: ['*/*'] },
    { verb: 'get', group: '', resource: 'pods', subresource: 'log' },
    false,
  ],
  [
    'resourceNames never grant an unnamed request',
    { verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] },
    { verb: 'get', group: 'coordination.k8s.io', resource: 'leases' },
    false,
  ],
  [
    'resourceNames grant the named object',
    { verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] },
    { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', name: 'kube-scheduler' },
    true,
  ],
  [
    'resourceNames refuse another object',
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    { verb: 'get', group: '', resource: 'configmaps', name: 'b' },
    false,
  ],
  [
    'resourceNames "*" is a name, not a pattern',
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['*'] },
    { verb: 'get', group: '', resource: 'configmaps', name: 'b' },
    false,
  ],
  [
    'empty resourceNames grant every object',
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: [] },
    { verb: 'get', group: '', resource: 'configmaps' },
    true,
  ],
  [
    'cluster-admin',
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    true,
  ],
];

// [what it shows, rule, request, granted]
const urlCases: [string, NonResourceRule, UrlRequest, boolean][] = [
  ['exact path', { verbs: ['get'], nonResourceURLs: ['/version'] }, { verb: 'get', path: '/version' }, true],
  ['another path', { verbs: ['get'], nonResourceURLs: ['/version'] }, { verb: 'get', path: '/readyz' }, false],
  ['exact is not a prefix', { verbs: ['get'], nonResourceURLs: ['/version'] }, { verb: 'get', path: '/version/' }, false],
  ['another verb', { verbs: ['get'], nonResourceURLs: ['/metrics'] }, { verb: 'post', path: '/metrics' }, false],
  ['verb *', { verbs: ['*'], nonResourceURLs: ['/metrics'] }, { verb: 'post', path: '/metrics' }, true],
  ['* is every path', { verbs: ['get'], nonResourceURLs: ['*'] }, { verb: 'get', path: '/livez' }, true],
  ['a trailing * is a prefix', { verbs: ['get'], nonResourceURLs: ['/readyz*'] }, { verb: 'get', path: '/readyz/etcd' }, true],
  ['a trailing * matches the prefix itself', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, { verb: 'get', path: '/healthz/' }, true],
  ['a prefix is a string prefix, not a path segment', { verbs: ['get'], nonResourceURLs: ['/ready*'] }, { verb: 'get', path: '/readyz' }, true],
  ['a prefix that does not match', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, { verb: 'get', path: '/healthz' }, false],
  ['several trailing * are one prefix', { verbs: ['get'], nonResourceURLs: ['/api**'] }, { verb: 'get', path: '/apis' }, true],
  ['a * elsewhere is literal', { verbs: ['get'], nonResourceURLs: ['/*/etcd'] }, { verb: 'get', path: '/readyz/etcd' }, false],
  ['no URLs grant nothing', { verbs: ['get'] }, { verb: 'get', path: '/version' }, false],
];

describe('ruleGrants: a resource request against one rule, as RBAC matches it', () => {
  it.each(resourceCases)('%s', (_what, rule, request, granted) => {
    expect(ruleGrants(rule, request)).toBe(granted);
  });
});

describe('urlRuleGrants: a non-resource URL against one rule', () => {
  it.each(urlCases)('%s', (_what, rule, request, granted) => {
    expect(urlRuleGrants(rule, request)).toBe(granted);
  });
});

describe('grantsResource and grantsUrl: any rule of a review', () => {
  const rules: ResourceRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
    { verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] },
    { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  ];
  it.each<[ResourceRequest, boolean]>([
    [{ verb: 'list', group: '', resource: 'pods' }, true],
    [{ verb: 'get', group: '', resource: 'pods', subresource: 'log' }, true],
    [{ verb: 'create', group: '', resource: 'pods' }, false],
    [{ verb: 'get', group: 'coordination.k8s.io', resource: 'leases' }, false],
    [{ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' }, true],
  ])('%j -> %s', (request, granted) => {
    expect(grantsResource(rules, request)).toBe(granted);
  });

  it('grants nothing with no rules', () => {
    expect(grantsResource([], { verb: 'get', group: '', resource: 'pods' })).toBe(false);
    expect(grantsUrl([], { verb: 'get', path: '/version' })).toBe(false);
  });

  it('grants a URL when any rule does', () => {
    const urlRules: NonResourceRule[] = [
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    ];
    expect(grantsUrl(urlRules, { verb: 'get', path: '/metrics' })).toBe(true);
    expect(grantsUrl(urlRules, { verb: 'get', path: '/readyz' })).toBe(true);
    expect(grantsUrl(urlRules, { verb: 'get', path: '/openapi/v3' })).toBe(false);
  });
});

describe('readRulesReview: the status a SelfSubjectRulesReview came back with', () => {
  it.each<[string, unknown, ReturnType<typeof readRulesReview>]>([
    [
      'a complete review',
      {
        kind: 'SelfSubjectRulesReview',
        status: {
          resourceRules: [
            { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
            { verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] },
          ],
          nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/version'] }],
          incomplete: false,
        },
      },
      {
        resourceRules: [
          { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
          { verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] },
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/version'] }],
        incomplete: false,
      },
    ],
    [
      'incomplete, with the evaluation error',
      { status: { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'webhook authorizer does not support user rule resolution' } },
      { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'webhook authorizer does not support user rule resolution' },
    ],
    ['no status: not a complete answer', { kind: 'SelfSubjectRulesReview' }, { resourceRules: [], nonResourceRules: [], incomplete: true }],
    ['not an object', 'Forbidden', { resourceRules: [], nonResourceRules: [], incomplete: true }],
    [
      'incomplete omitted: complete (omitempty)',
      { status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] } },
      { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }], nonResourceRules: [], incomplete: false },
    ],
    [
      'malformed entries grant nothing',
      { status: { resourceRules: [null, 'x', { verbs: 'get', apiGroups: [''], resources: ['pods', 7] }], nonResourceRules: {}, incomplete: false } },
      { resourceRules: [{ verbs: [], apiGroups: [''], resources: ['pods'], resourceNames: [] }], nonResourceRules: [], incomplete: false },
    ],
  ])('%s', (_what, review, read) => {
    expect(readRulesReview(review)).toEqual(read);
  });
});
