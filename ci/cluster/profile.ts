// The choices a cluster is made with, written into the cluster's state at cluster:up, so status,
// logs, down, the enforcer switch and the upgrade know them afterwards:
// - the pod network: the default (a bridge per node, static routes between nodes, kube-router
//   enforcing NetworkPolicy as host processes) or flannel (flanneld as a DaemonSet with the VXLAN
//   backend and no NetworkPolicy enforcement at all);
// - how the control plane and kube-proxy run: as host processes the harness starts (default), or as
//   kubeadm makes them (static pods, kube-proxy's DaemonSet, kubeadm's CoreDNS).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './layout.ts';

/** One choice: its flag's parser, and its record in the state (a cluster without the record made the default choice). */
function recorded<const T extends readonly [string, ...string[]]>(flag: string, file: string, values: T) {
  type Value = T[number];
  const parse = (value: string | undefined): Value => {
    const found = values.find((v) => v === (value ?? values[0]));
    if (found === undefined) throw new Error(`--${flag} takes ${values.join(' or ')} (got ${value})`);
    return found;
  };
  return {
    parse,
    save: (value: Value, dir = stateDir): void => writeFileSync(join(dir, file), `${value}\n`),
    current: (dir = stateDir): Value => (existsSync(join(dir, file)) ? parse(readFileSync(join(dir, file), 'utf8').trim()) : values[0]),
  };
}

export const CNI_PROFILES = ['default', 'flannel'] as const;
export type CniProfile = (typeof CNI_PROFILES)[number];
const cni = recorded('cni', 'cni-profile', CNI_PROFILES);
export const { parse: parseCni, save: saveProfile, current: currentProfile } = cni;

export const CLUSTER_PROFILES = ['default', 'kubeadm'] as const;
export type ClusterProfile = (typeof CLUSTER_PROFILES)[number];
const cluster = recorded('profile', 'profile', CLUSTER_PROFILES);
export const { parse: parseClusterProfile, save: saveClusterProfile, current: currentClusterProfile } = cluster;
