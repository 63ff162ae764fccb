// The probe agent serves only the run that made it, on the real local cluster: a fleet is deployed
// as a run deploys it (Secret with a fresh token, ConfigMap, pods), then a request to a probe pod's
// API without the run's token gets 401, sent from another pod and from this host, while the echo
// ports (HTTP on 8080, TCP 9000) answer anyone; with the token, through the pod proxy, by exec and
// directly, the API answers 200. The namespace of the test is labelled as a run's and removed.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../agent/build.ts';
import type { ProbeTarget } from '../agent/protocol.ts';
import { deployFleet, fleetApi } from '../helpers/fleet/deploy.ts';
import type { FleetDescriptor, ProbeAgent } from '../helpers/fleet/descriptor.ts';
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import { AGENT_TOKEN_KEY } from '../helpers/fleet/manifests.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { ownedSelector, runNamespace } from '../helpers/run/labels.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { createExecSessionTransport, kubeChannelOpener } from '../helpers/transport/exec-session.ts';
import { createExecTransport, kubeExecRunner } from '../helpers/transport/exec.ts';
import { createPodProxyTransport } from '../helpers/transport/pod-proxy.ts';
import { TransportError } from '../helpers/transport/transport.ts';
import { KUBECONFIG } from './cli-child.ts';

const WRONG = 'x'.repeat(43);

// One line from the TCP echo: what the pod answers to `payload`.
function tcpEcho(host: string, port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5000 }, () => socket.write(`${payload}\n`));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        socket.end();
        resolve(text.trim());
      }
    });
    socket.on('timeout', () => socket.destroy(new Error(`no echo from ${host}:${port} within 5 s`)));
    socket.on('error', reject);
  });
}

describe('the probe agent serves only the run that made it (local cluster)', () => {
  const runId = newRunId();
  let session: KubeSession;
  let fleet: FleetDescriptor;
  let caller: ProbeAgent;
  let target: ProbeAgent;

  beforeAll(async () => {
    session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
    await namespaceApi(session.clients).create(runNamespace({ name: runId, runId, expiresAt: new Date(Date.now() + 30 * 60_000), purpose: 'agent auth test' }));
    const nodes = (await session.clients.core.listNode()).items.map((node) => node.metadata?.name ?? '');
    fleet = await deployFleet(fleetApi(session.clients.core), {
      namespace: runId,
      runId,
      nodes,
      minAgents: 2,
      image: chooseProbeImage(undefined, session.target.context),
      bundle: await buildAgentBundle(),
      timeoutMs: 120_000,
    });
    // Caller and target on different nodes when there are two.
    [caller, target] = [fleet.agents[0] as ProbeAgent, (fleet.agents.find((agent) => agent.node !== fleet.agents[0]?.node) ?? fleet.agents[1]) as ProbeAgent];
  });

  afterAll(async () => {
    try {
      await removeRun(namespaceApi(session.clients), runId, { timeoutMs: 60_000 });
      expect((await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) })).items).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('keeps the token in a labelled Secret of the run, out of every pod spec', async () => {
    const secret = await session.clients.core.readNamespacedSecret({ namespace: runId, name: fleet.tokenSecret });
    expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': runId });
    expect(Buffer.from(secret.data?.[AGENT_TOKEN_KEY] ?? '', 'base64').toString()).toBe(caller.token);
    const pods = await session.clients.core.listNamespacedPod({ namespace: runId });
    expect(pods.items).toHaveLength(fleet.agents.length);
    expect(JSON.stringify(pods.items)).not.toContain(caller.token);
  });

  it('from another pod: the API answers 401 without the token, the echo ports answer', async () => {
    const base = `http://${target.podIP}:${target.ports.api}`;
    const targets: ProbeTarget[] = [
      { id: 'info', kind: 'http', url: `${base}/v1/info`, timeoutMs: 5000 },
      { id: 'readiness', kind: 'http', method: 'PUT', url: `${base}/v1/readiness`, timeoutMs: 5000 },
      { id: 'probe', kind: 'http', method: 'POST', url: `${base}/v1/probe`, timeoutMs: 5000 },
      { id: 'wrong-token', kind: 'http', url: `${base}/v1/info`, headers: { authorization: `Bearer ${WRONG}` }, timeoutMs: 5000 },
      { id: 'http-echo', kind: 'http', url: `${base}/`, timeoutMs: 5000 },
      { id: 'healthz', kind: 'http', url: `${base}/healthz`, timeoutMs: 5000 },
      { id: 'tcp-echo', kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'hello', timeoutMs: 5000 },
    ];
    const { results } = await createPodProxyTransport(session.connection).probe(caller, targets);
    const seen = Object.fromEntries(results.map((result) => [result.id, `${result.outcome} ${result.http?.status ?? result.reply?.text ?? result.detail}`]));
    console.log(`${caller.name}@${caller.node} -> ${target.name}@${target.node}:`, seen);
    expect(seen).toEqual({
      info: 'http-status 401',
      readiness: 'http-status 401',
      probe: 'http-status 401',
      'wrong-token': 'http-status 401',
      'http-echo': 'ok 200',
      healthz: 'ok 200',
      'tcp-echo': 'ok hello',
    });
    expect(results.find((result) => result.id === 'info')?.http?.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(results.find((result) => result.id === 'http-echo')?.http?.echo?.pod).toBe(target.name);
  });

  it('from this host: the API answers 401 without the token and 200 with it, the echo ports answer', async () => {
    const base = `http://${target.podIP}:${target.ports.api}`;
    const open = await fetch(`${base}/v1/info`);
    expect(open.status).toBe(401);
    expect(open.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await open.json()).toEqual({ error: expect.stringContaining('token') });
    expect((await fetch(`${base}/v1/info`, { headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401);
    expect((await fetch(`${base}/v1/readiness`, { method: 'PUT', body: '{"ready":false}' })).status).toBe(401);
    const held = await fetch(`${base}/v1/info`, { headers: { authorization: `Bearer ${target.token}` } });
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ pod: target.name, ready: true });
    const echo = await fetch(`${base}/anything`);
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ pod: target.name, path: '/anything' });
    expect(await tcpEcho(target.podIP, target.ports.tcp, 'from-host')).toBe(`${target.name}|from-host`);
  });

  it('with the token the API answers 200 through the pod proxy, by exec and by an exec session; a wrong token gets 401', async () => {
    const proxy = createPodProxyTransport(session.connection);
    expect((await proxy.info(target)).pod).toBe(target.name);
    const refused = await proxy.info({ ...target, token: WRONG }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as Error).message).toMatch(/answered HTTP 401/);

    const throttle = session.connection.throttle;
    const exec = createExecTransport(kubeExecRunner(session.kc, { throttle }));
    expect((await exec.info(target)).pod).toBe(target.name);
    const sessions = createExecSessionTransport(kubeChannelOpener(session.kc, { throttle }), exec);
    try {
      expect((await sessions.info(target)).pod).toBe(target.name);
      const { results } = await sessions.probe(caller, [{ id: 'tcp', kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'x', timeoutMs: 5000 }]);
      expect(results[0]?.outcome).toBe('ok');
    } finally {
      await sessions.close();
    }
  });

  it('nobody but the run flips readiness: the pods stay Ready after the refused attempts, and the run still can', async () => {
    const proxy = createPodProxyTransport(session.connection);
    expect((await proxy.info(target)).ready).toBe(true);
    await proxy.setReady(target, false);
    expect((await fetch(`http://${target.podIP}:${target.ports.api}/healthz`)).status).toBe(503);
    await proxy.setReady(target, true);
    expect((await fetch(`http://${target.podIP}:${target.ports.api}/healthz`)).status).toBe(200);
  });
});
