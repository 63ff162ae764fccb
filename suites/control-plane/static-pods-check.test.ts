import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { ConfigMap } from '../lib/api-json.ts';
import type { PodJson } from '../lib/kubeadm.ts';
import { changePod, controlPlanePods, kubeadmConfigMap, node } from '../lib/testing/kubeadm.ts';
import { staticFlagsCheck, staticPodsCheck, staticVersionsCheck } from './static-pods-check.ts';

class Ended extends Error {}

// A check context over an API that answers the paths the checks read: each read of the kube-system
// pods answers the next reading given (the last one again when they run out).
function context(readings: PodJson[][], configMaps: Record<string, ConfigMap> = {}, apiServer = 'v1.34.4') {
  const said: string[] = [];
  const answer = (path: string): { status: number; text: string } => {
    if (path === '/api/v1/namespaces/kube-system/pods')
      return { status: 200, text: JSON.stringify({ items: readings.length > 1 ? readings.shift() : readings[0] }) };
    if (path === '/api/v1/nodes') return { status: 200, text: JSON.stringify({ items: [node('node1'), node('node2'), node('node3')] }) };
    const map = /^\/api\/v1\/namespaces\/kube-system\/configmaps\/(.+)$/.exec(path)?.[1];
    if (map !== undefined) return configMaps[map] === undefined ? { status: 404, text: 'not found' } : { status: 200, text: JSON.stringify(configMaps[map]) };
    return { status: 404, text: `no ${path}` };
  };
  const session = {
    connection: { send: async ({ path }: { path: string }) => answer(path) },
    clients: { version: { getCode: async () => ({ gitVersion: apiServer }) } },
  };
  const end = (kind: string) => (text: string) => {
    said.push(`${kind} ${text}`);
    throw new Ended(text);
  };
  const c = {
    signal: new AbortController().signal,
    cluster: async () => ({ session }),
    log: (text: string) => void said.push(`log ${text}`),
    evidence: (label: string | { label: string }) => void said.push(`evidence ${typeof label === 'string' ? label : label.label}`),
    note: (text: string) => void said.push(`note ${text}`),
    property: () => {},
    skip: end('skip'),
    warn: end('warn'),
    fail: (_kind: string, text: string) => end('fail')(text),
  } as unknown as CheckContext;
  return { c, said };
}

const run = async (check: (c: CheckContext) => Promise<void>, c: CheckContext) => {
  try {
    await check(c);
  } catch (error) {
    if (!(error instanceof Ended)) throw error;
  }
};

describe('the static control-plane checks', () => {
  afterEach(() => vi.useRealTimers());

  it('skip with the reason on a cluster whose control plane runs as host processes', async () => {
    const { c, said } = context([[]]);
    await run(staticPodsCheck, c);
    expect(said.at(-1)).toMatch(/^skip no control-plane mirror pods in kube-system .*host processes or is managed/);
  });

  it('pass on a healthy kubeadm control plane, and say what kubeadm-config says', async () => {
    const { c, said } = context([controlPlanePods(['node1'])], { 'kubeadm-config': kubeadmConfigMap() });
    await run(staticPodsCheck, c);
    expect(said).toContain('note 4 control-plane static pod(s) on 1 node(s) (node1), all ready, none restarting');
    await run(staticVersionsCheck, c);
    expect(said.at(-1)).toBe('note the control plane runs v1.34.4 on every node, as kubeadm-config says (v1.34.4)');
    await run(staticFlagsCheck, c);
    expect(said.at(-1)).toMatch(
      /^note API server --authorization-mode includes Node,RBAC; etcd requires client and peer certificates; Service and pod ranges agree/,
    );
  });

  it('read once more before failing: a scheduler not ready at the first reading and ready at the second passes', async () => {
    vi.useFakeTimers();
    const notReady = changePod(controlPlanePods(['node1']), 'kube-scheduler-node1', (p) => (p.status!.containerStatuses![0]!.ready = false));
    const { c, said } = context([notReady, controlPlanePods(['node1'])]);
    const checked = run(staticPodsCheck, c);
    await vi.advanceTimersByTimeAsync(10_000);
    await checked;
    expect(said[0]).toBe('log first reading: kube-scheduler on node1 is not ready; read again in 10 s');
    expect(said.at(-1)).toMatch(/^note 4 control-plane static pod/);
  });

  it('fail on a half-done upgrade: kubeadm-config v1.35.4, API server v1.34.4', async () => {
    const { c, said } = context([controlPlanePods(['node1'])], { 'kubeadm-config': kubeadmConfigMap('v1.35.4') });
    await run(staticVersionsCheck, c);
    expect(said.at(-1)).toMatch(/^fail kubeadm-config says kubernetesVersion v1.35.4 but the API server reports v1.34.4: an upgrade half-done/);
  });
});
