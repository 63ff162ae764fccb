// Which pod network the local cluster runs: the default (a bridge per node, static routes between
// nodes, kube-router enforcing NetworkPolicy as host processes) or flannel (flanneld as a DaemonSet
// with the VXLAN backend and no NetworkPolicy enforcement at all). The choice is written into the
// cluster's state at cluster:up, so status, logs, down and the enforcer switch know it afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './layout.ts';

export const CNI_PROFILES = ['default', 'flannel'] as const;
export type CniProfile = (typeof CNI_PROFILES)[number];

export function parseCni(value: string | undefined): CniProfile {
  const found = CNI_PROFILES.find((p) => p === (value ?? 'default'));
  if (found === undefined) throw new Error(`--cni takes ${CNI_PROFILES.join(' or ')} (got ${value})`);
  return found;
}

const profileFile = (dir: string): string => join(dir, 'cni-profile');

export function saveProfile(profile: CniProfile, dir = stateDir): void {
  writeFileSync(profileFile(dir), `${profile}\n`);
}

/** The profile of the cluster that is up; a cluster without the file (made before profiles existed) is the default. */
export function currentProfile(dir = stateDir): CniProfile {
  if (!existsSync(profileFile(dir))) return 'default';
  return parseCni(readFileSync(profileFile(dir), 'utf8').trim());
}

/**
 * How the control plane and kube-proxy run: as host processes the harness starts (default), or as
 * kubeadm makes them (static pods, kube-proxy's DaemonSet, kubeadm's CoreDNS).
 */
export const CLUSTER_PROFILES = ['default', 'kubeadm'] as const;
export type ClusterProfile = (typeof CLUSTER_PROFILES)[number];

export function parseClusterProfile(value: string | undefined): ClusterProfile {
  const found = CLUSTER_PROFILES.find((p) => p === (value ?? 'default'));
  if (found === undefined) throw new Error(`--profile takes ${CLUSTER_PROFILES.join(' or ')} (got ${value})`);
  return found;
}

const clusterProfileFile = (dir: string): string => join(dir, 'profile');

export function saveClusterProfile(profile: ClusterProfile, dir = stateDir): void {
  writeFileSync(clusterProfileFile(dir), `${profile}\n`);
}

export function currentClusterProfile(dir = stateDir): ClusterProfile {
  if (!existsSync(clusterProfileFile(dir))) return 'default';
  return parseClusterProfile(readFileSync(clusterProfileFile(dir), 'utf8').trim());
}
