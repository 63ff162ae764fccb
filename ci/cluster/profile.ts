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
