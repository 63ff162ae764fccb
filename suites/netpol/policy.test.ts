import { describe, expect, it } from 'vitest';
import { RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { NETPOL_NS_LABEL, NETPOL_POD_LABEL, safetyProblems, toNetworkPolicy, type Resolver } from './policy.ts';

const resolver: Resolver = {
  runId: 'sd-20261122-abcdef',
  namespaceName: (l) => `sd-20261122-abcdef-np-${l}`,
  podIP: (id) => (id === 'y/b' ? '10.244.2.7' : ''),
};
const runNamespaces = ['x', 'y', 'z'].map((l) => resolver.namespaceName(l));

describe('NetworkPolicy drafts', () => {
  it('AND: one peer with both selectors, the namespace selector carrying the run id', () => {
    const policy = toNetworkPolicy(
      { name: 'and', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ pod: 'b', namespaces: ['y'] }] }] },
      resolver,
    );
    expect(policy.metadata?.namespace).toBe('sd-20261122-abcdef-np-x');
    expect(policy.spec?.podSelector).toEqual({ matchLabels: { [NETPOL_POD_LABEL]: 'a' } });
    expect(policy.spec?.ingress?.[0]?._from).toEqual([
      {
        podSelector: { matchLabels: { [NETPOL_POD_LABEL]: 'b' } },
        namespaceSelector: { matchLabels: { [RUN_ID_LABEL]: resolver.runId }, matchExpressions: [{ key: NETPOL_NS_LABEL, operator: 'In', values: ['y'] }] },
      },
    ]);
    expect(safetyProblems(policy, runNamespaces, resolver.runId)).toEqual([]);
  });

  it('ipBlock except: pods become /32 holes; ports keep names and ranges', () => {
    const policy = toNetworkPolicy(
      {
        name: 'ip',
        namespace: 'x',
        types: ['Ingress'],
        ingress: [
          {
            peers: [{ ipBlock: { cidr: 'all', exceptPods: ['y/b'] } }],
            ports: [
              { protocol: 'TCP', port: 9000, endPort: 9001 },
              { protocol: 'UDP', port: 'serve-9001-udp' },
            ],
          },
        ],
      },
      resolver,
    );
    expect(policy.spec?.ingress?.[0]).toEqual({
      _from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.2.7/32'] } }],
      ports: [
        { protocol: 'TCP', port: 9000, endPort: 9001 },
        { protocol: 'UDP', port: 'serve-9001-udp' },
      ],
    });
  });

  it('egress rules go to "to"; an empty rule allows all', () => {
    const policy = toNetworkPolicy(
      { name: 'all', namespace: 'x', types: ['Ingress', 'Egress'], ingress: [{}], egress: [{ peers: [{ namespaces: 'any' }] }] },
      resolver,
    );
    expect(policy.spec?.ingress).toEqual([{}]);
    expect(policy.spec?.egress?.[0]?.to).toEqual([{ podSelector: {}, namespaceSelector: { matchLabels: { [RUN_ID_LABEL]: resolver.runId } } }]);
  });

  it('refuses a policy outside the run, or selecting namespaces without the run id', () => {
    const policy = toNetworkPolicy({ name: 'p', namespace: 'x', types: ['Ingress'], ingress: [{ peers: [{ namespaces: ['y'] }] }] }, resolver);
    expect(safetyProblems({ ...policy, metadata: { ...policy.metadata, namespace: 'default' } }, runNamespaces, resolver.runId)).toEqual([
      "policy p is in namespace default, not one of the run's",
    ]);
    const wide = { ...policy, spec: { ...policy.spec, podSelector: {}, ingress: [{ _from: [{ namespaceSelector: {} }] }] } };
    expect(safetyProblems(wide, runNamespaces, resolver.runId)).toHaveLength(1);
  });
});
