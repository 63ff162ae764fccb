import type { CoreV1Event, V1Pod, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deployFleet, type DeployOptions, type FleetApi } from './deploy.ts';
import { rejection } from '../testing/shakedown-error.ts';
import type { Signals } from '../diagnose/signals.ts';
import { AT, lease, signals } from '../diagnose/testing.ts';

type PodState = (pod: V1Pod, poll: number) => V1Pod['status'];

function fakeFleet(state: PodState, events: CoreV1Event[] = []) {
  const pods = new Map<string, V1Pod>();
  const created: string[] = [];
  const secrets: V1Secret[] = [];
  let polls = 0;
  const api: FleetApi = {
    async createSecret(secret) {
      created.push(`secret/${secret.metadata?.name}`);
      secrets.push(secret);
    },
    async createConfigMap(cm) {
      created.push(`configmap/${cm.metadata?.name}`);
    },
    async createPod(pod) {
      created.push(`pod/${pod.metadata?.name}`);
      pods.set(pod.metadata?.name ?? '', pod);
    },
    async listPods() {
      polls++;
      return [...pods.values()].map((pod) => ({
        ...pod,
        spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName: 'node1' },
        status: state(pod, polls),
      }));
    },
    podEvents: async () => events,
    podLogTail: async () => 'shakedown-agent: version 0.1.0\n',
  };
  return { api, created, secrets, pods };
}

const readyAfter =
  (n: number): PodState =>
  (pod, poll) =>
    poll >= n ? { phase: 'Running', podIP: `10.244.1.${pod.metadata?.name?.length}`, conditions: [{ type: 'Ready', status: 'True' }] } : { phase: 'Pending' };

function options(overrides: Partial<DeployOptions> = {}): DeployOptions {
  let t = 0;
  return {
    namespace: 'sd-1',
    runId: 'sd-1',
    nodes: ['node1'],
    minAgents: 2,
    image: { image: 'img:1', pullPolicy: 'IfNotPresent', why: 'default' },
    bundle: 'console.log(1)',
    timeoutMs: 10_000,
    now: () => t,
    sleep: async (ms) => void (t += ms),
    ...overrides,
  };
}

describe('deployFleet', () => {
  it('creates the ConfigMap and the pods, waits until all are ready and describes them', async () => {
    const { api, created } = fakeFleet(readyAfter(3));
    const fleet = await deployFleet(api, options());
    expect(created).toEqual(['secret/shakedown-agent-token', 'configmap/shakedown-agent', 'pod/probe-0', 'pod/probe-x0']);
    expect(fleet.agents.map((a) => ({ name: a.name, node: a.node, group: a.group, podIP: a.podIP }))).toEqual([
      { name: 'probe-0', node: 'node1', group: 'node', podIP: '10.244.1.7' },
      { name: 'probe-x0', node: 'node1', group: 'extra', podIP: '10.244.1.8' },
    ]);
    expect(fleet.agents[0]?.ports).toEqual({ api: 8080, http: [8080, 8081, 8082], tcp: 9000, udp: 9001 });
    expect(JSON.parse(JSON.stringify(fleet))).toEqual(fleet);
  });

  it('says what it waits for each time that changes: how many probe pods, how many ready, and why the first is not', async () => {
    const halfReady: PodState = (pod, poll) =>
      poll >= 3 || (poll >= 2 && pod.metadata?.name === 'probe-0')
        ? { phase: 'Running', podIP: '10.244.1.9', conditions: [{ type: 'Ready', status: 'True' }] }
        : { phase: 'Pending' };
    const said: string[] = [];
    await deployFleet(fakeFleet(halfReady).api, options({ onWait: (line) => void said.push(line) }));
    expect(said).toEqual(['waiting for 2 probe pods: 0 ready (probe-0: phase Pending, …)', 'waiting for 2 probe pods: 1 ready (probe-x0: phase Pending)']);
  });

  it('makes a fresh random token per run, stores it in a labelled Secret the pods mount, and hands it to the descriptors', async () => {
    const first = fakeFleet(readyAfter(1));
    const second = fakeFleet(readyAfter(1));
    const [one, two] = [await deployFleet(first.api, options()), await deployFleet(second.api, options())];
    const token = one.agents[0]?.token ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(two.agents[0]?.token).not.toBe(token);
    expect(new Set(one.agents.map((agent) => agent.token))).toEqual(new Set([token]));
    expect(one.tokenSecret).toBe('shakedown-agent-token');
    const [secret] = first.secrets;
    expect(secret?.metadata).toEqual({
      name: 'shakedown-agent-token',
      namespace: 'sd-1',
      labels: { 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': 'sd-1' },
    });
    expect(Buffer.from(secret?.data?.token ?? '', 'base64').toString()).toBe(token);
    for (const pod of first.pods.values()) {
      expect(pod.spec?.volumes).toContainEqual({ name: 'agent-token', secret: { secretName: 'shakedown-agent-token', defaultMode: 0o440 } });
      expect(JSON.stringify(pod)).not.toContain(token);
    }
  });

  it('uses the token it is given, and fails naming the Secret when it cannot be created', async () => {
    const given = 'g'.repeat(43);
    expect((await deployFleet(fakeFleet(readyAfter(1)).api, options({ token: given }))).agents.every((agent) => agent.token === given)).toBe(true);
    const { api, created } = fakeFleet(readyAfter(1));
    api.createSecret = async () => {
      throw new Error('secrets is forbidden: User "u" cannot create resource "secrets"');
    };
    const error = await rejection(deployFleet(api, options()));
    expect(error.message).toBe('cannot create the Secret of the agents\' API token in sd-1: secrets is forbidden: User "u" cannot create resource "secrets"');
    expect(created).toEqual([]);
  });

  it('stops at once when an image cannot be pulled, naming the pod, the node, the reason and the event', async () => {
    const events: CoreV1Event[] = [{ metadata: {}, involvedObject: {}, type: 'Warning', reason: 'Failed', message: 'Failed to pull image "img:1": not found' }];
    const pulling: PodState = () => ({
      phase: 'Pending',
      containerStatuses: [
        { name: 'agent', image: 'img:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } },
      ],
    });
    let t = 0;
    const error = await rejection(deployFleet(fakeFleet(pulling, events).api, options({ minAgents: 1, now: () => t, sleep: async (ms) => void (t += ms) })));
    expect(error.code).toBe('SD_SETUP_FAILED');
    expect(error.message).toBe(
      'probe pod probe-0 on node node1 cannot become ready: ErrImagePull: not found; last event Failed: Failed to pull image "img:1": not found (image img:1)',
    );
    expect(error.details).toContain('log shakedown-agent: version 0.1.0');
    expect(error.hint).toMatch(/mirror it/);
    expect(t).toBe(0);
  });

  it('times out on pods that never get scheduled and says so', async () => {
    const unscheduled: PodState = () => ({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'node(s) had untolerated taint' }],
    });
    const error = await rejection(deployFleet(fakeFleet(unscheduled).api, options({ timeoutMs: 3000 })));
    expect(error.message).toBe(
      'probe pod probe-0 on node node1 not ready after 3 s: not scheduled: Unschedulable node(s) had untolerated taint (and 1 more probe pod)',
    );
  });

  it('reports an admission refusal of a pod as a setup failure with a hint', async () => {
    const { api } = fakeFleet(readyAfter(1));
    api.createPod = async () => {
      throw new Error('pods "probe-0" is forbidden: violates PodSecurity "restricted:latest"');
    };
    const error = await rejection(deployFleet(api, options()));
    expect(error.message).toBe(
      'cannot create the probe pod probe-0 on node node1: admission refused it: pods "probe-0" is forbidden: violates PodSecurity "restricted:latest"',
    );
    expect(error.hint).toMatch(/admission policy/);
  });
});

describe('deployFleet with the cluster signals', () => {
  // Pods land on the node their affinity names; pods on a "hung" node never start.
  function twoNodes(hung: string | undefined, s: () => Signals, bound = true) {
    const pods = new Map<string, V1Pod>();
    const api: FleetApi = {
      createSecret: async () => undefined,
      createConfigMap: async () => undefined,
      async createPod(p) {
        pods.set(p.metadata?.name ?? '', { ...p, metadata: { ...p.metadata, creationTimestamp: new Date(AT.getTime() - 30_000) } });
      },
      async listPods() {
        return [...pods.values()].map((p) => {
          const node =
            p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0] ?? '';
          const started = bound && node !== hung;
          return {
            ...p,
            spec: { ...p.spec, containers: [], ...(bound ? { nodeName: node } : {}) },
            status: started ? { phase: 'Running', podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: 'True' }] } : { phase: 'Pending' },
          };
        });
      },
      podEvents: async () => [],
      podLogTail: async () => '',
      signals: async () => s(),
    };
    return api;
  }
  const stale = (node: string) =>
    signals({
      nodeLeases: new Map([
        ['node1', lease(3, 40, 'node1', false)],
        [node, lease(27, 40, node, true)],
      ]),
    });

  it('runs on the healthy nodes and says which node it left out and why, when it may', async () => {
    const fleet = await deployFleet(
      twoNodes('node2', () => stale('node2')),
      options({ nodes: ['node1', 'node2'], minAgents: 3, partial: true }),
    );
    expect(new Set(fleet.agents.map((a) => a.node))).toEqual(new Set(['node1']));
    expect(fleet.unavailable?.map((u) => [u.node, u.diagnosis.component])).toEqual([['node2', 'kubelet']]);
    expect(JSON.parse(JSON.stringify(fleet))).toEqual(fleet);
  });

  it('ends at once naming the kubelet on that node when the fleet must be whole', async () => {
    const error = await rejection(
      deployFleet(
        twoNodes('node2', () => stale('node2')),
        options({ nodes: ['node1', 'node2'], minAgents: 3 }),
      ),
    );
    expect(error.message).toMatch(/^kubelet on node2 is at fault \(high confidence\): the kubelet on node2 has stopped heartbeating/);
  });

  it('ends at once naming the scheduler when nobody binds the pods and its Lease lapsed, long before the timeout', async () => {
    let t = 0;
    const error = await rejection(
      deployFleet(
        twoNodes(undefined, () => signals({ scheduler: { kind: 'lease', lease: lease(40, 15, 'kube-scheduler') } }), false),
        options({ nodes: ['node1', 'node2'], partial: true, timeoutMs: 120_000, now: () => t, sleep: async (ms) => void (t += ms) }),
      ),
    );
    expect(error.message).toMatch(/^kube-scheduler is at fault \(high confidence\): kube-scheduler is not scheduling/);
    expect(error.hint).toMatch(/kube-scheduler process/);
    expect(error.details).toMatch(/to see it: kubectl -n kube-system get lease kube-scheduler -o yaml/);
    expect(t).toBeLessThan(10_000);
  });
});
