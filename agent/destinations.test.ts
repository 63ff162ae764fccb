import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { TargetRefusedError, admit, guardedLookup, hostOf, refusedClass, udpLookup, withNameserverAllowance } from './destinations.ts';
import type { DestinationRules, Resolve } from './destinations.ts';
import type { DnsTarget, ProbeTarget, TcpTarget } from './protocol.ts';

const tcp = (host: string): TcpTarget => ({ kind: 'tcp', id: 't', timeoutMs: 100, host, port: 80 });
const dns = (server: string, extra: Partial<DnsTarget> = {}): DnsTarget => ({
  kind: 'dns',
  id: 'd',
  timeoutMs: 100,
  server,
  name: 'x',
  type: 'A',
  transport: 'udp',
  ...extra,
});
const rules: DestinationRules = { podNameservers: ['169.254.20.10', '127.0.0.1'] };

/** A resolver that knows a few names, as DNS would answer them. */
function fakeResolve(names: Record<string, string[]>): Resolve {
  return (hostname, _options, callback) => {
    const addresses = names[hostname];
    if (addresses === undefined) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

function lookupOnce(target: ProbeTarget, hostname: string, resolve: Resolve, all = false): Promise<string | LookupAddress[]> {
  return new Promise((done, fail) =>
    guardedLookup(target, { ...rules, resolve })(hostname, { all }, (error, address) => (error === null ? done(address) : fail(error))),
  );
}

describe('refusedClass', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local'],
    ['169.254.20.10', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
  ])('%s is %s', (address, expected) => {
    expect(refusedClass(address)).toBe(expected);
  });

  it.each(['10.96.0.10', '172.18.0.2', '192.168.1.1', '100.64.0.1', '8.8.8.8', 'fd00::10', 'fec0::1', '2001:db8::1', 'kubernetes.default', ''])(
    '%s is not refused',
    (address) => {
      expect(refusedClass(address)).toBeUndefined();
    },
  );
});

describe('admit', () => {
  it('refuses loopback, link-local and metadata addresses, saying what they are', () => {
    expect(() => admit(tcp('169.254.169.254'), '169.254.169.254', rules)).toThrow(
      'refused target 169.254.169.254: a link-local address, where probes may not go',
    );
    expect(() => admit(tcp('::1'), '::1', rules)).toThrow('refused target ::1: a loopback address (the pod itself), where probes may not go');
    expect(() => admit(tcp('fd00:ec2::254'), 'fd00:ec2::254', rules)).toThrow('a cloud metadata service address');
    const error = (() => {
      try {
        admit(tcp('127.0.0.1'), '127.0.0.1', rules);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TargetRefusedError);
    expect(error).toMatchObject({ code: 'AGENT_TARGET_REFUSED', address: '127.0.0.1', addressClass: 'loopback' });
  });

  it('lets any other address through, with or without an allowance', () => {
    expect(() => admit(tcp('10.96.0.10'), '10.96.0.10', rules)).not.toThrow();
    expect(() => admit(dns('10.96.0.10', { allow: 'pod-nameserver' }), '10.96.0.10', rules)).not.toThrow();
  });

  it("opens exactly the pod's own nameservers to a DNS target that names 'pod-nameserver'", () => {
    expect(() => admit(dns('169.254.20.10', { allow: 'pod-nameserver' }), '169.254.20.10', rules)).not.toThrow();
    expect(() => admit(dns('127.0.0.1', { allow: 'pod-nameserver' }), '::ffff:127.0.0.1', rules)).not.toThrow();
    expect(() => admit(dns('169.254.20.10'), '169.254.20.10', rules)).toThrow(TargetRefusedError);
    expect(() => admit(dns('169.254.169.254', { allow: 'pod-nameserver' }), '169.254.169.254', rules)).toThrow(
      "refused target 169.254.169.254: a link-local address, and not a nameserver of this pod (169.254.20.10, 127.0.0.1), all that 'pod-nameserver' allows",
    );
    expect(() => admit(dns('127.0.0.1', { allow: 'pod-nameserver' }), '127.0.0.1', { podNameservers: [] })).toThrow('not a nameserver of this pod (none)');
  });
});

describe('guardedLookup', () => {
  const resolve = fakeResolve({ 'metadata.rebind.test': ['127.0.0.1'], 'mixed.test': ['10.0.0.7', '169.254.169.254'], 'svc.test': ['10.0.0.7', 'fd00::7'] });

  it('refuses a name that resolves to a refused address', async () => {
    await expect(lookupOnce(tcp('metadata.rebind.test'), 'metadata.rebind.test', resolve)).rejects.toMatchObject({
      code: 'AGENT_TARGET_REFUSED',
      address: '127.0.0.1',
    });
    await expect(lookupOnce(tcp('mixed.test'), 'mixed.test', resolve, true)).rejects.toMatchObject({
      code: 'AGENT_TARGET_REFUSED',
      address: '169.254.169.254',
    });
  });

  it('answers as dns.lookup does otherwise: one address, or all of them when asked', async () => {
    expect(await lookupOnce(tcp('svc.test'), 'svc.test', resolve)).toBe('10.0.0.7');
    expect(await lookupOnce(tcp('svc.test'), 'svc.test', resolve, true)).toEqual([
      { address: '10.0.0.7', family: 4 },
      { address: 'fd00::7', family: 6 },
    ]);
    await expect(lookupOnce(tcp('nowhere.test'), 'nowhere.test', resolve)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('takes a family number, as dgram sockets pass it', async () => {
    const seen: unknown[] = [];
    const spy: Resolve = (hostname, options, callback) => {
      seen.push(options);
      resolve(hostname, options, callback);
    };
    const address = await new Promise((done) =>
      guardedLookup(tcp('svc.test'), { ...rules, resolve: spy })('svc.test', 4 as never, (_error, found) => done(found)),
    );
    expect(address).toBe('10.0.0.7');
    expect(seen).toEqual([{ family: 4, all: true }]);
  });
});

describe('udpLookup', () => {
  const resolve = fakeResolve({ 'metadata.rebind.test': ['169.254.169.254'] });
  const udp = (hostname: string) =>
    new Promise<{ error: unknown; address: unknown }>((done) =>
      (
        udpLookup(guardedLookup(tcp(hostname), { ...rules, resolve })) as unknown as (
          h: string,
          f: number,
          cb: (error: unknown, address: unknown) => void,
        ) => void
      )(hostname, 4, (error, address) => done({ error, address })),
    );

  it('lets the wildcard a dgram socket binds to pass, and guards names', async () => {
    expect(await udp('0.0.0.0')).toEqual({ error: null, address: '0.0.0.0' });
    expect((await udp('metadata.rebind.test')).error).toBeInstanceOf(TargetRefusedError);
  });
});

describe('withNameserverAllowance', () => {
  it("names 'pod-nameserver' for a DNS query to a local server on port 53, as the pods' resolv.conf gives it", () => {
    expect(withNameserverAllowance(dns('169.254.20.10'))).toEqual(dns('169.254.20.10', { allow: 'pod-nameserver' }));
    expect(withNameserverAllowance(dns('127.0.0.1', { port: 53, transport: 'tcp' }))).toEqual(
      dns('127.0.0.1', { port: 53, transport: 'tcp', allow: 'pod-nameserver' }),
    );
  });

  it('leaves every other target as it was', () => {
    for (const target of [
      dns('10.96.0.10'),
      dns('169.254.20.10', { port: 5353 }),
      dns('coredns.test'),
      tcp('127.0.0.1'),
      { kind: 'http', id: 'h', timeoutMs: 1, url: 'http://169.254.169.254/' } satisfies ProbeTarget,
    ]) {
      expect(withNameserverAllowance(target)).toBe(target);
    }
  });
});

describe('hostOf', () => {
  it('is the host a target connects to, without the brackets of an IPv6 URL', () => {
    expect(hostOf({ kind: 'http', id: 'h', timeoutMs: 1, url: 'http://[::1]:8080/x' })).toBe('::1');
    expect(hostOf({ kind: 'http', id: 'h', timeoutMs: 1, url: 'http://169.254.169.254/latest/meta-data/' })).toBe('169.254.169.254');
    expect(hostOf(dns('10.96.0.10'))).toBe('10.96.0.10');
    expect(hostOf(tcp('svc.test'))).toBe('svc.test');
  });
});
