import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { currentClusterProfile, currentProfile, parseClusterProfile, parseCni, saveClusterProfile, saveProfile } from './profile.ts';

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'profile-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cluster profile', () => {
  it('takes default or flannel, default when not given', () => {
    expect(parseCni(undefined)).toBe('default');
    expect(parseCni('flannel')).toBe('flannel');
    expect(() => parseCni('calico')).toThrow('--cni takes default or flannel (got calico)');
  });

  it('is remembered in the cluster state, and a cluster without the record is the default one', () => {
    const dir = scratch();
    expect(currentProfile(dir)).toBe('default');
    saveProfile('flannel', dir);
    expect(currentProfile(dir)).toBe('flannel');
  });

  it('refuses a state it does not know instead of guessing', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'cni-profile'), 'weave\n');
    expect(() => currentProfile(dir)).toThrow(/weave/);
  });

  it('keeps the control-plane profile apart from the pod network, with the same rules', () => {
    expect(parseClusterProfile(undefined)).toBe('default');
    expect(() => parseClusterProfile('kind')).toThrow('--profile takes default or kubeadm (got kind)');
    const dir = scratch();
    expect(currentClusterProfile(dir)).toBe('default');
    saveClusterProfile('kubeadm', dir);
    expect(currentClusterProfile(dir)).toBe('kubeadm');
    expect(currentProfile(dir)).toBe('default');
  });
});
