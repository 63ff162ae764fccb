// The MTU of the pod's interface, for the network suite: the interface the IPv4 default route
// uses (from /proc/net/route), else the IPv6 one (/proc/net/ipv6_route), else eth0, and its MTU
// from /sys/class/net/IFACE/mtu. Both files show the pod's own network namespace.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InterfaceMtu } from './protocol.ts';

export interface MtuPaths {
  route: string;
  ipv6Route: string;
  sysNet: string;
}

export const MTU_PATHS: MtuPaths = { route: '/proc/net/route', ipv6Route: '/proc/net/ipv6_route', sysNet: '/sys/class/net' };

const FALLBACK_INTERFACE = 'eth0';

// /proc/net/route: "Iface Destination Gateway Flags ...", destination 00000000 with mask 00000000 is the default.
export function defaultRouteInterface(route: string): string | undefined {
  for (const line of route.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 8 && fields[1] === '00000000' && fields[7] === '00000000') return fields[0];
  }
  return undefined;
}

// /proc/net/ipv6_route: "dest destlen src srclen nexthop metric refcnt use flags iface"; ::/0 is the default.
export function defaultRouteInterface6(route: string): string | undefined {
  for (const line of route.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 10 && /^0{32}$/.test(fields[0] ?? '') && fields[1] === '00' && fields[9] !== 'lo') return fields[9];
  }
  return undefined;
}

const readText = (path: string) => readFile(path, 'utf8').catch(() => '');

export async function readInterfaceMtu(paths: MtuPaths = MTU_PATHS): Promise<InterfaceMtu> {
  const name = defaultRouteInterface(await readText(paths.route)) ?? defaultRouteInterface6(await readText(paths.ipv6Route)) ?? FALLBACK_INTERFACE;
  try {
    const text = (await readFile(join(paths.sysNet, name, 'mtu'), 'utf8')).trim();
    const mtu = Number(text);
    if (!/^\d+$/.test(text) || mtu < 68) return { interface: name, error: `not an MTU: ${JSON.stringify(text.slice(0, 20))}` };
    return { interface: name, mtu };
  } catch (error) {
    return { interface: name, error: error instanceof Error ? error.message : String(error) };
  }
}
