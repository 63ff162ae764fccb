import { describe, expect, it } from 'vitest';
import { judgeUse, readDeprecated } from './deprecated.ts';
import { drainBlocks, perNode, type Pdb, type Pod } from './drains.ts';
import { REMOVALS, removalOf, removedBy } from './removals.ts';
import { judgeSkew } from './skew.ts';
import { kubeVersion, parseMinor } from './version.ts';
import { judgeWebhook, webhooksOf } from './webhooks.ts';

const METRICS = [
  '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested',
  'apiserver_requested_deprecated_apis{group="",removed_release="",resource="endpoints",subresource="",version="v1"} 1',
  'apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",subresource="",version="v1beta3"} 1',
  'apiserver_requested_deprecated_apis{group="example.io",removed_release="1.37",resource="widgets",subresource="",version="v1beta1"} 1',
  'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="endpoints",scope="namespace",subresource="",verb="LIST",version="v1"} 12',
  'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="endpoints",scope="namespace",subresource="",verb="WATCH",version="v1"} 3',
  'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="endpointslices",scope="namespace",subresource="",verb="LIST",version="v1"} 99',
  'apiserver_request_total{code="200",component="apiserver",dry_run="",group="flowcontrol.apiserver.k8s.io",resource="flowschemas",scope="cluster",subresource="",verb="GET",version="v1beta3"} 4',
  'process_start_time_seconds 1.7e+09',
].join('\n');

describe('deprecated APIs from the metrics', () => {
  const reading = readDeprecated(METRICS, 1.7e12 + 7_200_000);
  it('joins each deprecated API with its request counts, by verb, over the uptime', () => {
    expect(reading.windowS).toBe(7200);
    const endpoints = reading.uses.find((u) => u.resource === 'endpoints');
    expect(endpoints).toMatchObject({ requests: 15, byVerb: 'list 12, watch 3', removedRelease: '' });
  });
  it('judges against the target: removed at or before it is removed, later or never is deprecated', () => {
    const target = parseMinor('1.35')!;
    const levels = Object.fromEntries(reading.uses.map((u) => [u.resource, judgeUse(u, target)]));
    expect(levels.flowschemas?.level).toBe('removed');
    expect(levels.flowschemas?.line).toContain('REMOVED in 1.32 (the API server says)');
    expect(levels.flowschemas?.line).toContain('use flowcontrol.apiserver.k8s.io/v1');
    expect(levels.endpoints?.level).toBe('deprecated');
    expect(levels.endpoints?.line).toContain('no removal release announced');
    expect(levels.widgets?.level).toBe('deprecated');
    expect(
      judgeUse(
        reading.uses.find((u) => u.resource === 'widgets')!,
        parseMinor('1.37')!,
      ).level,
    ).toBe('removed');
  });
  it('uses the table when the API server names no release', () => {
    const use = {
      group: 'policy',
      version: 'v1beta1',
      resource: 'poddisruptionbudgets',
      subresource: '',
      removedRelease: '',
      removal: removalOf('policy', 'v1beta1', 'poddisruptionbudgets')!,
      requests: 1,
      byVerb: 'get 1',
    };
    expect(judgeUse(use, parseMinor('1.25')!).line).toContain('the removal table says');
    expect(judgeUse(use, parseMinor('1.24')!).level).toBe('deprecated');
  });
  it('finds nothing in metrics without the family', () => {
    expect(readDeprecated('process_start_time_seconds 10\n', 20_000).uses).toEqual([]);
  });
});

describe('removal table', () => {
  it('names a release per entry and answers by target', () => {
    for (const entry of REMOVALS) expect(parseMinor(entry.removedIn)).toBeDefined();
    expect(removedBy('1.32', parseMinor('1.35')!)).toBe(true);
    expect(removedBy('1.36', parseMinor('1.35')!)).toBe(false);
  });
});

describe('version skew', () => {
  const target = parseMinor('1.35')!;
  it('passes the local shape: 1.34 everywhere, target 1.35', () => {
    expect(judgeSkew('v1.34.4', target, [{ component: 'kubelet', where: 'node1', version: 'v1.34.4' }]).findings).toEqual([]);
  });
  it('fails a skipped minor, a downgrade, a kubelet left too far behind and a newer kubelet', () => {
    expect(judgeSkew('v1.33.1', target, []).findings[0]?.text).toContain('through 1.34 first');
    expect(judgeSkew('v1.36.0', target, []).findings[0]?.text).toContain('downgrade');
    const old = judgeSkew('v1.34.0', target, [{ component: 'kubelet', where: 'node9', version: 'v1.31.2' }]).findings;
    expect(old).toEqual([{ level: 'fail', text: expect.stringContaining('node9: v1.31.2 would be 4 minors older') }]);
    expect(judgeSkew('v1.34.0', target, [{ component: 'kubelet', where: 'n', version: 'v1.35.0' }]).findings[0]?.text).toContain('newer than the API server');
    expect(judgeSkew('v1.34.0', target, [{ component: 'kube-scheduler', where: 'p', version: 'v1.33.0' }]).findings[0]?.text).toContain('at most 1 allowed');
  });
  it('reads versions and refuses non-versions', () => {
    expect(kubeVersion.fromText('v1.35.0')).toBe('1.35.0');
    expect(() => kubeVersion.fromText('latest')).toThrow(/Kubernetes version/);
  });
});

const pod = (name: string, node: string, extra: Partial<Pod['metadata']> = {}, volumes: Pod['spec']['volumes'] = []): Pod => ({
  metadata: { name, namespace: 'app', labels: { app: name.split('-')[0]! }, ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }], ...extra },
  spec: { nodeName: node, volumes },
  status: { phase: 'Running' },
});

describe('drains', () => {
  const pdb: Pdb = {
    metadata: { name: 'db-pdb', namespace: 'app' },
    spec: { selector: { matchLabels: { app: 'db' } }, minAvailable: 1 },
    status: { disruptionsAllowed: 0, expectedPods: 1, currentHealthy: 1 },
  };
  it('names, per node, the pod a PDB holds, the bare pod and the emptyDir pod; DaemonSet and mirror pods are not evicted', () => {
    const blocks = drainBlocks(
      [
        pod('db-0', 'node2'),
        pod('web-1', 'node1'),
        pod('bare', 'node1', { ownerReferences: [] }),
        pod('cache-1', 'node1', {}, [{ name: 'scratch', emptyDir: {} }]),
        pod('ds-1', 'node1', { ownerReferences: [{ kind: 'DaemonSet', name: 'ds', controller: true }] }, [{ name: 'x', emptyDir: {} }]),
        pod('static', 'node1', { ownerReferences: [], annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      ],
      [pdb],
    );
    expect(blocks.map((b) => [b.node, b.kind, b.pod])).toEqual([
      ['node1', 'bare', 'app/bare'],
      ['node1', 'emptydir', 'app/cache-1'],
      ['node2', 'pdb', 'app/db-0'],
    ]);
    expect(blocks[2]?.text).toContain('single-replica workload under PDB app/db-pdb');
    expect(perNode(blocks, ['node1', 'node2', 'node3'])).toEqual([
      'node1: 0 pod(s) held by a PodDisruptionBudget, 1 without a controller, 1 with emptyDir data',
      'node2: 1 pod(s) held by a PodDisruptionBudget, 0 without a controller, 0 with emptyDir data',
      'node3: drains cleanly',
    ]);
  });
  it('lets a PDB that allows disruptions through', () => {
    expect(drainBlocks([pod('db-0', 'node2')], [{ ...pdb, status: { disruptionsAllowed: 1 } }])).toEqual([]);
  });
});

describe('webhooks', () => {
  const [fail, ignore, outside] = webhooksOf(
    [
      {
        metadata: { name: 'policy' },
        webhooks: [
          { name: 'check.policy.io', clientConfig: { service: { namespace: 'p', name: 'svc' } } },
          { name: 'soft.policy.io', failurePolicy: 'Ignore', clientConfig: { service: { namespace: 'p', name: 'svc' } } },
        ],
      },
    ],
    [{ metadata: { name: 'ext' }, webhooks: [{ name: 'ext.io', clientConfig: { url: 'https://example.invalid/hook' } }] }],
  );
  it('fails a Fail webhook (the default) with no ready endpoint or no Service; ignores Ignore', () => {
    expect(judgeWebhook(fail!, { ready: 0, notReady: 2 })).toMatchObject({ level: 'fail', line: expect.stringContaining('no ready endpoint (2 not ready)') });
    expect(judgeWebhook(fail!, undefined).level).toBe('fail');
    expect(judgeWebhook(fail!, { ready: 1, notReady: 0 }).level).toBe('ok');
    expect(judgeWebhook(ignore!, { ready: 0, notReady: 0 }).level).toBe('ok');
    expect(judgeWebhook(outside!, undefined).level).toBe('unknown');
  });
});
