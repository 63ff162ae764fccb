import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRouteInterface, defaultRouteInterface6, readInterfaceMtu } from './mtu.ts';

const ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t0000F40A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'eth0\t00000000\t0100F40A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
].join('\n');

const ROUTE6 = [
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     net6',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     net6',
].join('\n');

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true });
  dir = '';
});

async function sysNet(entries: Record<string, string>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sd-mtu-'));
  for (const [name, mtu] of Object.entries(entries)) {
    await mkdir(join(dir, 'net', name), { recursive: true });
    await writeFile(join(dir, 'net', name, 'mtu'), mtu);
  }
  await writeFile(join(dir, 'route'), ROUTE);
  await writeFile(join(dir, 'route6'), ROUTE6);
  await writeFile(join(dir, 'empty'), 'Iface\tDestination\n');
  return dir;
}

describe('the interface MTU', () => {
  it('finds the default route interface in /proc/net/route and /proc/net/ipv6_route', () => {
    expect(defaultRouteInterface(ROUTE)).toBe('eth0');
    expect(defaultRouteInterface('Iface\tDestination\n')).toBeUndefined();
    expect(defaultRouteInterface6(ROUTE6)).toBe('net6');
  });

  it('reads the MTU of the default route interface', async () => {
    const root = await sysNet({ eth0: '1450\n', lo: '65536\n' });
    expect(await readInterfaceMtu({ route: join(root, 'route'), ipv6Route: join(root, 'route6'), sysNet: join(root, 'net') })).toEqual({
      interface: 'eth0',
      mtu: 1450,
    });
  });

  it('uses the IPv6 default route when there is no IPv4 one, and says why it cannot read an MTU', async () => {
    const root = await sysNet({ net6: '1280', eth0: 'jumbo' });
    expect(await readInterfaceMtu({ route: join(root, 'empty'), ipv6Route: join(root, 'route6'), sysNet: join(root, 'net') })).toEqual({
      interface: 'net6',
      mtu: 1280,
    });
    expect(await readInterfaceMtu({ route: join(root, 'route'), ipv6Route: join(root, 'route6'), sysNet: join(root, 'net') })).toEqual({
      interface: 'eth0',
      error: 'not an MTU: "jumbo"',
    });
    const missing = await readInterfaceMtu({ route: join(root, 'nothing'), ipv6Route: join(root, 'nothing'), sysNet: join(root, 'net-missing') });
    expect(missing.interface).toBe('eth0');
    expect(missing.error).toMatch(/ENOENT/);
  });
});
