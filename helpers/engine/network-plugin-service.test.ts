import { describe, expect, it } from 'vitest';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ApiConnection } from '../kube/connection.ts';
import { requiredPermissions } from '../kube/permissions.ts';
import type { SuiteManifest } from './manifest.ts';
import { detectNetworkPlugin, usesNetworkPlugin } from './network-plugin-service.ts';

const manifest = (name: string, uses?: SuiteManifest['uses']): SuiteManifest => ({
  name,
  description: name,
  checks: [],
  check: {},
  options: {},
  permissions: [],
  setup: [],
  exclusive: false,
  images: [],
  ...(uses === undefined ? {} : { uses }),
});

describe('the network plugin as an engine service', () => {
  it('is asked for, with its reads, only when a chosen suite uses it', () => {
    expect(usesNetworkPlugin([manifest('smoke'), manifest('netpol', ['network-plugin'])])).toBe(true);
    expect(usesNetworkPlugin([manifest('smoke')])).toBe(false);
    const withIt = requiredPermissions([manifest('netpol', ['network-plugin']), manifest('network', ['network-plugin'])], 'auto').required;
    const plugin = withIt.filter((p) => p.why.includes('naming the network plugin'));
    expect(plugin.map((p) => ('url' in p ? `get ${p.url}` : `${p.verb} ${p.resource}`)).sort()).toEqual(
      ['get /apis', 'list daemonsets', 'list deployments', 'list nodes', 'list pods'].sort(),
    );
    expect(plugin.every((p) => p.by.split(', ').includes('engine'))).toBe(true);
    const without = requiredPermissions([manifest('smoke')], 'auto').required;
    expect(without.some((p) => p.why.includes('naming the network plugin'))).toBe(false);
  });

  it('detects the plugin from one reading of the API', async () => {
    const bodies: Record<string, unknown> = {
      '/apis/apps/v1/daemonsets': {
        items: [
          {
            metadata: { namespace: 'kube-flannel', name: 'kube-flannel-ds' },
            spec: { template: { spec: { containers: [{ image: 'ghcr.io/flannel-io/flannel:v0.28.0' }] } } },
          },
        ],
      },
      '/apis': { groups: [{ name: 'apps' }] },
    };
    const sent: string[] = [];
    const connection = {
      send: async ({ path }: { path: string }) => {
        sent.push(path);
        return bodies[path] === undefined ? { status: 404, headers: {}, text: '' } : { status: 200, headers: {}, text: JSON.stringify(bodies[path]) };
      },
    } as unknown as ApiConnection;
    const core = {
      listNode: async () => ({ items: [{ metadata: { name: 'node1', annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' } } }] }),
    } as unknown as CoreV1Api;
    const plugin = await detectNetworkPlugin({ connection, clients: { core } } as never);
    expect(plugin).toMatchObject({ name: 'flannel', known: true, enforces: false });
    expect(plugin.evidence).toEqual(['DaemonSet kube-flannel/kube-flannel-ds', 'node annotation flannel.alpha.coreos.com/backend-type']);
    expect(sent.filter((p) => p === '/apis/apps/v1/daemonsets')).toHaveLength(1);
  });
});
