import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import { createFakeTransport } from './fake.ts';
import { routedTransport, selectRoutes } from './select.ts';
import type { ProbeTransport } from './transport.ts';

const agents = ['probe-0', 'probe-1'].map((name) => ({ name, namespace: 'sd-1', ports: { api: 8080 }, token: 'run-token' }));

function failingFor(names: string[], via: 'proxy' | 'exec'): ProbeTransport {
  const fake = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' }));
  return {
    ...fake,
    kind: via,
    async info(agent) {
      if (names.includes(agent.name)) throw new Error(`${via} to ${agent.name}: HTTP 503: no route to host`);
      return fake.info(agent);
    },
  };
}

describe('selectRoutes', () => {
  it('uses the pod proxy for all agents when it works, and reports that as a pass', async () => {
    const selection = await selectRoutes({ choice: 'auto', agents, proxy: failingFor([], 'proxy'), exec: failingFor([], 'exec'), canExec: true });
    expect(selection.routes).toEqual({ 'probe-0': 'proxy', 'probe-1': 'proxy' });
    expect(selection.finding.status).toBe('pass');
  });

  it('falls back to exec for the agents the proxy cannot reach, and reports a finding with the likely cause', async () => {
    const selection = await selectRoutes({ choice: 'auto', agents, proxy: failingFor(['probe-1'], 'proxy'), exec: failingFor([], 'exec'), canExec: true });
    expect(selection.routes).toEqual({ 'probe-0': 'proxy', 'probe-1': 'exec' });
    // What each agent answered, however it was reached, is kept for the fleet descriptor (asked once).
    expect(Object.keys(selection.infos).sort()).toEqual(['probe-0', 'probe-1']);
    expect(selection.infos['probe-1']?.pod).toBe('probe-1');
    expect(selection.finding).toMatchObject({
      suite: 'setup',
      status: 'fail',
      classification: 'unreachable',
      message: 'the API server cannot reach 1 of 2 probe pods through the pod proxy; probes to them go by exec instead',
      evidence: [{ label: 'pod proxy errors', text: 'sd-1/probe-1: proxy to probe-1: HTTP 503: no route to host' }],
    });
    expect(selection.finding.status === 'fail' && selection.finding.likelyCause).toMatch(/webhooks/);
  });

  it('fails setup when neither way reaches an agent, or exec is not allowed', async () => {
    const neither = await selectRoutes({
      choice: 'auto',
      agents,
      proxy: failingFor(['probe-0'], 'proxy'),
      exec: failingFor(['probe-0'], 'exec'),
      canExec: true,
    }).catch((e: unknown) => e);
    expect(neither).toBeInstanceOf(ShakedownError);
    expect((neither as ShakedownError).message).toBe('neither the pod proxy nor exec reaches 1 of 2 probe pods');
    const noExec = await selectRoutes({ choice: 'auto', agents, proxy: failingFor(['probe-0'], 'proxy'), exec: failingFor([], 'exec'), canExec: false }).catch(
      (e: unknown) => e,
    );
    expect((noExec as ShakedownError).message).toBe('the API server cannot reach 1 of 2 probe pods through the pod proxy, and exec is not allowed');
  });

  it('uses exec only, with a skipped finding, when exec is chosen', async () => {
    const selection = await selectRoutes({
      choice: 'exec',
      agents,
      proxy: failingFor(['probe-0', 'probe-1'], 'proxy'),
      exec: failingFor([], 'exec'),
      canExec: true,
    });
    expect(selection.routes).toEqual({ 'probe-0': 'exec', 'probe-1': 'exec' });
    expect(selection.finding).toMatchObject({ status: 'skip', skipReason: 'the transport is set to exec (--transport exec)' });
  });
});

describe('routedTransport', () => {
  it('sends each agent through its route', async () => {
    const proxy = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: 'proxy' }));
    const exec = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: 'exec' }));
    const routed = routedTransport({ 'probe-0': 'proxy', 'probe-1': 'exec' }, { proxy, exec });
    const target = { id: 'x', kind: 'tcp' as const, host: 'h', port: 1, timeoutMs: 10 };
    expect((await routed.probe(agents[0]!, [target])).results[0]?.detail).toBe('proxy');
    expect((await routed.probe(agents[1]!, [target])).results[0]?.detail).toBe('exec');
  });
});
