import { describe, expect, it } from 'vitest';
import { API_VERSION, MAX_TARGETS } from './protocol.ts';
import type { ProbeRequest, TcpTarget } from './protocol.ts';
import { ValidationError, parseProbeRequest, parseReadinessRequest } from './validate.ts';

const tcp: TcpTarget = { kind: 'tcp', id: 't', timeoutMs: 500, host: '10.0.0.1', port: 9000 };

function batch(...targets: unknown[]): Record<string, unknown> {
  return { apiVersion: API_VERSION, targets };
}

function rejection(body: unknown): ValidationError {
  try {
    parseProbeRequest(body);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseProbeRequest', () => {
  it('accepts every kind of target and keeps them in order', () => {
    const request: ProbeRequest = {
      apiVersion: API_VERSION,
      concurrency: 8,
      targets: [
        {
          kind: 'http',
          id: 'h',
          timeoutMs: 1000,
          url: 'https://svc.ns.svc:8443/x?y=1',
          method: 'POST',
          headers: { 'x-probe': 'yes' },
          hostHeader: 'app.example:8443',
          tlsInsecure: true,
        },
        { ...tcp, payload: 'hello' },
        { ...tcp, payload: 'bulk', size: 12_000 },
        { ...tcp, connectOnly: true },
        { kind: 'udp', id: 'u', timeoutMs: 300, host: 'fd00::1', port: 9001, payload: 'a\nb' },
        { kind: 'udp', id: 'u', timeoutMs: 300, host: '10.0.0.1', port: 9001, size: 1472 },
        {
          kind: 'dns',
          id: 'd',
          timeoutMs: 2000,
          server: '10.96.0.10',
          port: 53,
          name: 'kubernetes.default',
          type: 'SRV',
          transport: 'tcp',
          recursionDesired: false,
        },
        { kind: 'dns', id: 'n', timeoutMs: 2000, server: '169.254.20.10', name: 'kubernetes.default', type: 'A', transport: 'udp', allow: 'pod-nameserver' },
        { kind: 'tls', id: 's', timeoutMs: 2000, host: '10.96.0.1', port: 443, servername: 'hook.ns.svc' },
      ],
    };
    expect(parseProbeRequest(structuredClone(request))).toEqual(request);
  });

  it('accepts an empty batch and the largest allowed one', () => {
    expect(parseProbeRequest(batch()).targets).toEqual([]);
    expect(parseProbeRequest(batch(...Array.from({ length: MAX_TARGETS }, () => tcp))).targets).toHaveLength(MAX_TARGETS);
  });

  it.each([
    ['a non-object body', [tcp], 'body', 'must be a JSON object'],
    ['a wrong apiVersion', { apiVersion: 'shakedown.probe/v0', targets: [] }, 'apiVersion', `must be one of ${API_VERSION}`],
    ['a missing targets list', { apiVersion: API_VERSION }, 'targets', 'is required'],
    ['an unknown top-level field', { ...batch(), target: [] }, 'target', 'is not a known field'],
    ['concurrency above the cap', { ...batch(), concurrency: 257 }, 'concurrency', 'from 1 to 256'],
    ['too many targets', batch(...Array.from({ length: MAX_TARGETS + 1 }, () => tcp)), 'targets', 'at most 2000'],
    [
      'a UDP datagram larger than IPv4 allows',
      batch({ kind: 'udp', id: 'u', timeoutMs: 5, host: 'h', port: 9001, size: 65_508 }),
      'targets[0].size',
      'from 1 to 65507',
    ],
    ["a TCP bulk line beyond the echo's longest line", batch({ ...tcp, size: 65_001 }), 'targets[0].size', 'from 1 to 65000'],
    [
      'a UDP target asking for the handshake only',
      batch({ kind: 'udp', id: 'u', timeoutMs: 5, host: 'h', port: 9001, connectOnly: true }),
      'targets[0].connectOnly',
      'is not a known field',
    ],
    [
      'a TLS target with a payload',
      batch({ kind: 'tls', id: 's', timeoutMs: 5, host: 'h', port: 443, payload: 'x' }),
      'targets[0].payload',
      'is not a known field',
    ],
    ['an SNI with a space', batch({ kind: 'tls', id: 's', timeoutMs: 5, host: 'h', port: 443, servername: 'a b' }), 'targets[0].servername', 'must match'],
    ['an unknown kind', batch(tcp, { ...tcp, kind: 'icmp' }), 'targets[1].kind', 'must be one of http, tcp, udp, dns, tls'],
    ['a timeout above the cap', batch({ ...tcp, timeoutMs: 30_001 }), 'targets[0].timeoutMs', 'from 1 to 30000'],
    ['a fractional timeout', batch({ ...tcp, timeoutMs: 1.5 }), 'targets[0].timeoutMs', 'must be an integer'],
    ['a missing id', batch({ kind: 'tcp', timeoutMs: 5, host: 'h', port: 1 }), 'targets[0].id', 'is required'],
    ['port 0', batch(tcp, tcp, { ...tcp, port: 0 }), 'targets[2].port', 'from 1 to 65535'],
    ['a port given as text', batch({ ...tcp, port: '80' }), 'targets[0].port', 'must be an integer'],
    ['a field of another kind', batch({ ...tcp, url: 'http://x/' }), 'targets[0].url', 'is not a known field'],
    ['a multi-line TCP payload', batch({ ...tcp, payload: 'a\nb' }), 'targets[0].payload', 'single line'],
    ['a non-http URL', batch({ kind: 'http', id: 'h', timeoutMs: 5, url: 'ftp://x/' }), 'targets[0].url', 'http:// or https://'],
    ['a relative URL', batch({ kind: 'http', id: 'h', timeoutMs: 5, url: '/healthz' }), 'targets[0].url', 'http:// or https://'],
    [
      'a header value with a line break',
      batch({ kind: 'http', id: 'h', timeoutMs: 5, url: 'http://x/', headers: { a: 'b\r\nc: d' } }),
      'targets[0].headers.a',
      'without line breaks',
    ],
    ['a lowercase method', batch({ kind: 'http', id: 'h', timeoutMs: 5, url: 'http://x/', method: 'get' }), 'targets[0].method', 'must match'],
    [
      'an unknown DNS type',
      batch({ kind: 'dns', id: 'd', timeoutMs: 5, server: 's', name: 'n', type: 'ANY', transport: 'udp' }),
      'targets[0].type',
      'must be one of A, AAAA',
    ],
    ['a missing DNS transport', batch({ kind: 'dns', id: 'd', timeoutMs: 5, server: 's', name: 'n', type: 'A' }), 'targets[0].transport', 'is required'],
    [
      'an allowance no one defined',
      batch({ kind: 'dns', id: 'd', timeoutMs: 5, server: '169.254.169.254', name: 'n', type: 'A', transport: 'udp', allow: 'link-local' }),
      'targets[0].allow',
      'must be one of pod-nameserver',
    ],
    [
      'the nameserver allowance on another port',
      batch({ kind: 'dns', id: 'd', timeoutMs: 5, server: '127.0.0.1', port: 5353, name: 'n', type: 'A', transport: 'udp', allow: 'pod-nameserver' }),
      'targets[0].port',
      "must be 53 (or absent) with allow 'pod-nameserver'",
    ],
    ['an allowance on a TCP target', batch({ ...tcp, host: '127.0.0.1', allow: 'pod-nameserver' }), 'targets[0].allow', 'is not a known field'],
    [
      'an allowance on an HTTP target',
      batch({ kind: 'http', id: 'h', timeoutMs: 5, url: 'http://169.254.169.254/', allow: 'pod-nameserver' }),
      'targets[0].allow',
      'is not a known field',
    ],
  ])('rejects %s, naming the field', (_case, body, field, problem) => {
    const error = rejection(body);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(problem);
  });
});

describe('parseReadinessRequest', () => {
  it('accepts a boolean and names the field otherwise', () => {
    expect(parseReadinessRequest({ ready: false })).toEqual({ ready: false });
    expect(() => parseReadinessRequest({ ready: 'no' })).toThrow('ready: must be true or false');
  });
});
