// The network plugin as an engine service: detected once per run, at setup, when a chosen suite
// declares it uses it (manifest `uses: ['network-plugin']`), and handed to every suite worker in
// the run context, so netpol's verdict and the network suite name the same plugin from one
// reading. The engine asks for the reads the detection needs only in such runs.
import { detectPlugin, readPluginFacts, type Plugin } from '../kube/network-plugin.ts';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ApiConnection } from '../kube/connection.ts';
import type { SuiteManifest, SuitePermission } from './manifest.ts';

export const NETWORK_PLUGIN = 'network-plugin';

export const NETWORK_PLUGIN_PERMISSIONS: SuitePermission[] = [
  { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'naming the network plugin (node annotations and conditions)' },
  { verb: 'list', resource: 'daemonsets', group: 'apps', scope: 'cluster', why: 'naming the network plugin' },
  { verb: 'list', resource: 'deployments', group: 'apps', scope: 'cluster', why: 'naming the network plugin' },
  { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'naming the network plugin' },
  { url: '/apis', verb: 'get', why: 'naming the network plugin from the API groups it serves' },
];

export function usesNetworkPlugin(manifests: readonly Pick<SuiteManifest, 'uses'>[]): boolean {
  return manifests.some((manifest) => (manifest.uses ?? []).includes(NETWORK_PLUGIN));
}

// Started at the beginning of setup, awaited when the context is built; never rejects (a failed
// read leaves its part of the facts empty, as readPluginFacts does).
// Takes what it reads through (a KubeSession has both), not the session: kube/session imports the
// preflight, which imports the permissions this module declares.
export function detectNetworkPlugin(session: { connection: ApiConnection; clients: { core: CoreV1Api } }): Promise<Plugin> {
  return readPluginFacts(session.connection, session.clients.core).then(detectPlugin, (error: unknown) => ({
    name: `unknown (the detection failed: ${error instanceof Error ? error.message : String(error)})`,
    known: false,
    enforces: undefined,
    evidence: [],
  }));
}
