// Where the agent's probes may go. Whoever holds the run's token picks the targets, and from inside
// a pod the agent reaches what that caller may not: the pod's own loopback (whatever listens on
// 127.0.0.1 beside the agent), link-local services, and the cloud's metadata service with its
// credentials (169.254.169.254, fd00:ec2::254). A target in those ranges is refused unless it names
// an allowance that covers exactly it: the only one, 'pod-nameserver', opens the pod's own
// nameservers to DNS queries (the DNS checks ask the nameserver of the pods' resolv.conf, which a
// NodeLocal DNSCache puts on a link-local address such as 169.254.20.10).
//
// The check is made on the address a probe connects to: an IP literal before anything is sent, a
// name in the lookup its socket uses (guardedLookup). So a name that resolves to a refused address
// is refused, and a name that resolves elsewhere the next time (DNS rebinding) is checked again,
// on the connection that uses the answer.
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import type { SocketOptions } from 'node:dgram';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { ProbeTarget } from './protocol.ts';

export type AddressClass = 'loopback' | 'unspecified' | 'link-local' | 'metadata';

// Ranges by class; IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) match their IPv4 range, and the
// IPv4 ranges are refused behind the NAT64 well-known prefix (64:ff9b::/96) too.
const RANGES: Record<AddressClass, readonly [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
    ['64:ff9b::7f00:0', 104, 'ipv6'],
  ],
  // Connecting to 0.0.0.0 or :: reaches the pod itself, as loopback does.
  unspecified: [
    ['0.0.0.0', 8, 'ipv4'],
    ['::', 128, 'ipv6'],
    ['64:ff9b::', 104, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
    ['64:ff9b::a9fe:0', 112, 'ipv6'],
  ],
  // AWS's instance metadata service (IMDS) and EKS Pod Identity agent over IPv6: unique local
  // addresses, not link-local (over IPv4 they are 169.254.169.254 and 169.254.170.23).
  metadata: [
    ['fd00:ec2::254', 128, 'ipv6'],
    ['fd00:ec2::23', 128, 'ipv6'],
  ],
};

const DESCRIPTIONS: Record<AddressClass, string> = {
  loopback: 'a loopback address (the pod itself)',
  unspecified: 'an unspecified address (the pod itself)',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata service address',
};

const LISTS = Object.entries(RANGES).map(([addressClass, ranges]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return [addressClass as AddressClass, list] as const;
});

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** The refused class of an IP address, or undefined when probes may go there; undefined for a name. */
export function refusedClass(address: string): AddressClass | undefined {
  if (isIP(address.split('%', 1)[0] ?? '') === 0) return undefined;
  return LISTS.find(([, list]) => list.check(address, family(address)))?.[0];
}

/** Resolves a name to all its addresses, as dns.lookup with `all: true`. */
export type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface DestinationRules {
  /**
   * The nameservers of the agent's pod (its /etc/resolv.conf): what the 'pod-nameserver' allowance
   * opens, to DNS queries on port 53, since every lookup the pod makes goes there anyway.
   */
  podNameservers: readonly string[];
  /** Resolves names; dns.lookup unless a test gives another. */
  resolve?: Resolve;
}

export class TargetRefusedError extends Error {
  readonly code = 'AGENT_TARGET_REFUSED';
  readonly address: string;
  readonly addressClass: AddressClass;

  constructor(address: string, addressClass: AddressClass, why: string) {
    super(`refused target ${address}: ${DESCRIPTIONS[addressClass]}, ${why}`);
    this.name = 'TargetRefusedError';
    this.address = address;
    this.addressClass = addressClass;
  }
}

function isPodNameserver(address: string, rules: DestinationRules): boolean {
  const list = new BlockList();
  for (const server of rules.podNameservers) if (isIP(server.split('%', 1)[0] ?? '') !== 0) list.addAddress(server, family(server));
  return list.check(address, family(address));
}

/** Throws TargetRefusedError when `target` may not send to the IP address `address`. */
export function admit(target: ProbeTarget, address: string, rules: DestinationRules): void {
  const refused = refusedClass(address);
  if (refused === undefined) return;
  if (target.kind !== 'dns' || target.allow !== 'pod-nameserver') throw new TargetRefusedError(address, refused, 'where probes may not go');
  if (!isPodNameserver(address, rules)) {
    throw new TargetRefusedError(
      address,
      refused,
      `and not a nameserver of this pod (${rules.podNameservers.join(', ') || 'none'}), all that 'pod-nameserver' allows`,
    );
  }
}

/** resolv.conf names no port: a pod's nameservers answer on 53, the only port 'pod-nameserver' opens. */
export const NAMESERVER_PORT = 53;

/**
 * The runner's side of the allowance: a DNS target on port 53 whose server the agent would refuse
 * is sent with allow 'pod-nameserver', since the only such servers the checks ask are the pods' own
 * resolv.conf nameservers (a NodeLocal DNSCache on 169.254.20.10). The agent grants it only when the
 * server is one of its pod's nameservers. Every other target comes back as it was.
 */
export function withNameserverAllowance(target: ProbeTarget): ProbeTarget {
  if (target.kind !== 'dns' || target.allow !== undefined || (target.port ?? NAMESERVER_PORT) !== NAMESERVER_PORT) return target;
  return refusedClass(target.server) === undefined ? target : { ...target, allow: 'pod-nameserver' };
}

/** The `lookup` option of net, tls and http sockets. */
export type GuardedLookup = LookupFunction;
/** The `lookup` option of dgram sockets. */
export type UdpLookup = NonNullable<SocketOptions['lookup']>;

/**
 * A guarded lookup for dgram, which calls it with a family number, never for all addresses, and for
 * IP literals too: for the wildcard address it binds to before it connects (0.0.0.0, ::), and for
 * a target address, which the probe scope has admitted already. Literals pass as they are.
 */
export function udpLookup(lookup: GuardedLookup): UdpLookup {
  const guarded: GuardedLookup = (hostname, options, callback) => {
    const literal = isIP(hostname);
    if (literal === 0) return lookup(hostname, options, callback);
    callback(null, hostname, literal);
  };
  return guarded as unknown as UdpLookup;
}

/** A lookup that resolves as usual, then fails with TargetRefusedError if any address is refused. */
export function guardedLookup(target: ProbeTarget, rules: DestinationRules): GuardedLookup {
  const resolve: Resolve = rules.resolve ?? ((hostname, options, callback) => dnsLookup(hostname, options, callback));
  return (hostname: string, options: LookupOptions | number, callback: Parameters<LookupFunction>[2]) => {
    const lookupOptions: LookupOptions = typeof options === 'number' ? { family: options } : options;
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, []);
      try {
        for (const { address } of addresses) admit(target, address, rules);
      } catch (refused) {
        return callback(refused as TargetRefusedError, []);
      }
      if (lookupOptions.all === true) return callback(null, addresses);
      const [first] = addresses;
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), []);
      return callback(null, first.address, first.family);
    });
  };
}

/** The host a target connects to: an IP literal (brackets removed) or a name. */
export function hostOf(target: ProbeTarget): string {
  switch (target.kind) {
    case 'http':
      return new URL(target.url).hostname.replace(/^\[(.*)\]$/, '$1');
    case 'dns':
      return target.server;
    default:
      return target.host;
  }
}
