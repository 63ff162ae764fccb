import { createServer } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { RUNNER, dialAll, reproduceDial } from './dial.ts';
import { APISERVER_CERT, APISERVER_KEY } from './testing/fixtures.ts';

const agent = (name: string): ProbeAgent => ({
  name,
  namespace: 'sd',
  node: `${name}-node`,
  podIP: '10.244.0.9',
  group: 'node',
  ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
  labels: {},
  token: 't',
});
const der = new X509Certificate(APISERVER_CERT).raw.toString('base64');

const server = createServer({ cert: APISERVER_CERT, key: APISERVER_KEY }, (socket) => socket.end());
const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('dialAll', () => {
  it('dials from the runner itself and from each agent in one batch, results in the order of the dials', async () => {
    const transport = createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: 'handshake done', tls: { chain: [der] } }));
    const a = agent('probe-a');
    const b = agent('probe-b');
    const dialed = await dialAll(
      transport,
      [
        { where: 'a1', from: a, host: '10.96.0.1', port: 443, servername: 'kubernetes.default.svc.cluster.local' },
        { where: 'runner', from: RUNNER, host: '127.0.0.1', port },
        { where: 'b1', from: b, host: '10.217.0.12', port: 10250 },
        { where: 'a2', from: a, host: '10.217.0.11', port: 6443 },
      ],
      2000,
    );
    expect(dialed.map((d) => [d.dial.where, d.result.outcome, d.chain[0]?.subject])).toEqual([
      ['a1', 'ok', 'CN=apiserver'],
      ['runner', 'ok', 'CN=apiserver'],
      ['b1', 'ok', 'CN=apiserver'],
      ['a2', 'ok', 'CN=apiserver'],
    ]);
    expect(
      transport.calls.map((c) => [
        c.agent,
        c.targets.map((t) => t.kind === 'tls' && `${t.host}:${t.port}${t.servername === undefined ? '' : ` ${t.servername}`}`),
      ]),
    ).toEqual([
      ['probe-a', ['10.96.0.1:443 kubernetes.default.svc.cluster.local', '10.217.0.11:6443']],
      ['probe-b', ['10.217.0.12:10250']],
    ]);
  });

  it('turns an agent that cannot be asked into error results naming why, never a throw', async () => {
    const transport: ProbeTransport = {
      ...createFakeTransport(() => ({ outcome: 'ok', ms: 1, detail: '' })),
      probe: () => Promise.reject(new Error('proxy to sd/probe-a: 503')),
    };
    const [dialed] = await dialAll(transport, [{ where: 'a1', from: agent('probe-a'), host: '10.96.0.1', port: 443 }], 1000);
    expect(dialed?.result).toMatchObject({ outcome: 'error', detail: 'the agent could not be asked: proxy to sd/probe-a: 503' });
    expect(dialed?.chain).toEqual([]);
  });

  it('says how to dial by hand, from the runner and from inside an agent', () => {
    expect(reproduceDial({ where: 'x', from: RUNNER, host: '10.217.0.11', port: 6443, servername: 'api.local' }, 'sd')).toBe(
      'openssl s_client -connect 10.217.0.11:6443 -servername api.local -showcerts </dev/null',
    );
    expect(reproduceDial({ where: 'x', from: agent('probe-a'), host: '10.96.0.1', port: 443 }, 'sd')).toMatch(
      /^kubectl -n sd exec probe-a -c agent -- node -e '.*host:"10\.96\.0\.1",port:443,rejectUnauthorized:false/,
    );
  });
});
