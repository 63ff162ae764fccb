// The NetworkPolicy cases, as data: each is a list of steps; a step creates and/or deletes
// policies, then states the expected table as rules over "all allowed" (see model.ts).
// Namespaces x, y, z; pods a, b, c in each; ports TCP/9000, TCP/9001, UDP/9000, UDP/9001.
// A pod always reaches itself. After the last step every policy is deleted and the table must
// return to all allowed.
import type { Rule } from './model.ts';
import type { PolicyDraft } from './policy.ts';

export interface Step {
  create?: PolicyDraft[];
  // Names of policies (of earlier steps) to delete.
  delete?: string[];
  expect: Rule[];
  // DNS lookups from these pods must still be answered.
  dnsFrom?: string[];
}

export interface NetpolCase {
  // The key the manifest declares the case's check under.
  id: string;
  title: string;
  description: string;
  steps: Step[];
}

// The suite's checks, as the manifest and the run's profile name them ("group › title").
export const GROUP = 'truth tables';
export const checkTitle = (title: string): string => `${GROUP} › ${title}`;
const VERDICT_TITLE = 'NetworkPolicy is enforced (default deny ingress)';
const LATENCY_TITLE = 'enforcement latency within the bound';
export const VERDICT_CHECK = checkTitle(VERDICT_TITLE);
export const LATENCY_CHECK = checkTitle(LATENCY_TITLE);

const denyIngress = (namespace: string, name = `deny-ingress-${namespace}`): PolicyDraft => ({ name, namespace, types: ['Ingress'] });

// The verdict case: also answers "is NetworkPolicy enforced at all?".
export const DEFAULT_DENY_INGRESS: NetpolCase = {
  id: 'verdict',
  title: 'default deny ingress',
  description: 'a policy selecting every pod of x with no ingress rule blocks all traffic into x, on every port and protocol',
  steps: [{ create: [denyIngress('x')], expect: [{ to: 'x', allowed: false }] }],
};

export const CASES: readonly NetpolCase[] = [
  {
    id: 'podSelector',
    title: 'allow by podSelector',
    description: 'x/a admits only pods labelled b of its own namespace',
    steps: [
      {
        create: [{ name: 'a-from-b', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ pod: 'b' }] }] }],
        expect: [
          { to: 'x/a', allowed: false },
          { from: 'x/b', to: 'x/a', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'namespaceSelector',
    title: 'allow by namespaceSelector',
    description: 'x/a admits every pod of namespace y, selected by labels unique to this run',
    steps: [
      {
        create: [{ name: 'a-from-y', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ namespaces: ['y'] }] }] }],
        expect: [
          { to: 'x/a', allowed: false },
          { from: 'y', to: 'x/a', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'andVsOr',
    title: 'podSelector AND namespaceSelector vs two peers (OR)',
    description: 'one peer with both selectors admits only y/b into x/a; the same selectors as two peers admit x/b and all of y into x/b',
    steps: [
      {
        create: [
          { name: 'and', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ pod: 'b', namespaces: ['y'] }] }] },
          { name: 'or', namespace: 'x', pod: 'b', types: ['Ingress'], ingress: [{ peers: [{ pod: 'b' }, { namespaces: ['y'] }] }] },
        ],
        expect: [
          { to: 'x/a', allowed: false },
          { from: 'y/b', to: 'x/a', allowed: true },
          { to: 'x/b', allowed: false },
          { from: 'y', to: 'x/b', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'denyEgress',
    title: 'default deny egress, DNS still allowed',
    description: 'pods of x reach nothing but DNS (UDP and TCP 53 allowed), and their lookups are answered',
    steps: [
      {
        create: [
          {
            name: 'deny-egress-but-dns',
            namespace: 'x',
            types: ['Egress'],
            egress: [
              {
                ports: [
                  { protocol: 'UDP', port: 53 },
                  { protocol: 'TCP', port: 53 },
                ],
              },
            ],
          },
        ],
        expect: [{ from: 'x', allowed: false }],
        dnsFrom: ['x/a', 'x/b', 'x/c'],
      },
    ],
  },
  {
    id: 'numericPort',
    title: 'numeric port',
    description: 'x/a admits TCP 9000 only: TCP 9001 and UDP on the same port numbers stay blocked',
    steps: [
      {
        create: [{ name: 'tcp-9000', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 9000 }] }] }],
        expect: [
          { to: 'x/a', allowed: false },
          { to: 'x/a', port: 'TCP/9000', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'namedPort',
    title: 'named port',
    description: 'x/a admits the container port named serve-9001-udp only',
    steps: [
      {
        create: [{ name: 'udp-named', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-9001-udp' }] }] }],
        expect: [
          { to: 'x/a', allowed: false },
          { to: 'x/a', port: 'UDP/9001', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'portRange',
    title: 'port range (endPort)',
    description: 'x/a admits TCP 9000-9001 by endPort; UDP stays blocked',
    steps: [
      {
        create: [{ name: 'tcp-range', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 9000, endPort: 9001 }] }] }],
        expect: [
          { to: 'x/a', allowed: false },
          { to: 'x/a', port: 'TCP/*', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'ipBlock',
    title: 'ipBlock with except',
    description: 'x/a admits every address except the IP of y/b',
    steps: [
      {
        create: [{ name: 'ipblock', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ ipBlock: { cidr: 'all', exceptPods: ['y/b'] } }] }] }],
        expect: [{ from: 'y/b', to: 'x/a', allowed: false }],
      },
    ],
  },
  {
    id: 'union',
    title: 'several policies select one pod (union)',
    description: 'two policies on x/a, one admitting x/b, one admitting z/c: both are admitted',
    steps: [
      {
        create: [
          { name: 'from-x-b', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ pod: 'b' }] }] },
          { name: 'from-z-c', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ pod: 'c', namespaces: ['z'] }] }] },
        ],
        expect: [
          { to: 'x/a', allowed: false },
          { from: 'x/b', to: 'x/a', allowed: true },
          { from: 'z/c', to: 'x/a', allowed: true },
        ],
      },
    ],
  },
  {
    id: 'deletion',
    title: 'a deleted policy stops applying',
    description: 'with all of x denied and y admitted into x/a, deleting the admitting policy blocks y again',
    steps: [
      {
        create: [denyIngress('x'), { name: 'a-from-y', namespace: 'x', pod: 'a', types: ['Ingress'], ingress: [{ peers: [{ namespaces: ['y'] }] }] }],
        expect: [
          { to: 'x', allowed: false },
          { from: 'y', to: 'x/a', allowed: true },
        ],
      },
      { delete: ['a-from-y'], expect: [{ to: 'x', allowed: false }] },
    ],
  },
  {
    id: 'allowAll',
    title: 'allow all ingress and egress',
    description: 'over a deny of all ingress and egress in x, a policy allowing all ingress and egress restores every path',
    steps: [
      {
        create: [{ name: 'deny-all', namespace: 'x', types: ['Ingress', 'Egress'] }],
        expect: [
          { to: 'x', allowed: false },
          { from: 'x', allowed: false },
        ],
      },
      { create: [{ name: 'allow-all', namespace: 'x', types: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] }], expect: [] },
    ],
  },
];
