import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeLayout } from '../layout.ts';
import { ignoredPreflightErrors, initConfiguration, joinConfiguration } from './config.ts';
import { kubeadmFlags, onNode } from './node.ts';
import { caCertHash } from './up.ts';

const facts = {
  controlPlane: nodeLayout(1),
  kubernetesVersion: '1.34.4',
  bootstrapToken: 'abcdef.0123456789abcdef',
  kubeProxyMode: 'nftables' as const,
  certDays: 30,
};

describe('kubeadm configuration', () => {
  it('registers the first node with its own containerd, cgroup root and address, untainted, and never pulls', () => {
    const init = initConfiguration(facts);
    expect(init).toContain(`criSocket: unix://${nodeLayout(1).containerdSock}`);
    expect(init).toContain('- {name: cgroup-root, value: /shakedown-node1}');
    expect(init).toContain('- {name: node-ip, value: 10.217.0.11}');
    expect(init).toContain('  taints: []\n');
    expect(init).toContain('imagePullPolicy: Never');
    expect(init).toContain('mode: nftables');
    expect(init).toContain('certificateValidityPeriod: 720h0m0s');
    expect(init).toContain('failCgroupV1: false');
  });

  it('ignores preflight errors only by name, each with a reason', () => {
    const init = initConfiguration(facts);
    for (const [name, reason] of Object.entries(ignoredPreflightErrors)) {
      expect(init).toContain(`  - ${name}\n`);
      expect(reason.length).toBeGreaterThan(20);
    }
    expect(init).not.toMatch(/ignorePreflightErrors:\n\s+- all/i);
  });

  it('joins another node through the bootstrap token with the CA pinned, keeping the control-plane taint off only node 1', () => {
    const join2 = joinConfiguration(nodeLayout(2), facts, 'sha256:00');
    expect(join2).toContain('apiServerEndpoint: 10.217.0.11:6443');
    expect(join2).toContain('token: abcdef.0123456789abcdef');
    expect(join2).toContain('caCertHashes: [sha256:00]');
    expect(join2).toContain('name: node2');
    expect(join2).not.toContain('taints: []');
  });
});

describe('kubeadm node', () => {
  it('pins the CA by the sha256 of its public key, as kubeadm prints it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-'));
    const key = join(dir, 'ca.key');
    const crt = join(dir, 'ca.crt');
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-subj',
      '/CN=t',
      '-days',
      '1',
      '-out',
      crt,
    ]);
    // kubeadm's documented way to compute it by hand.
    const der = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', crt]);
    const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: der });
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: spki }).toString().split('= ')[1]?.trim();
    expect(caCertHash(readFileSync(crt, 'utf8'))).toBe(`sha256:${expected}`);
  });

  it("reads the kubelet's flags from kubeadm-flags.env", () => {
    expect(kubeadmFlags('KUBELET_KUBEADM_ARGS="--cgroup-root=/shakedown-node2 --node-ip=10.217.0.12 --pod-infra-container-image=x"\n')).toEqual([
      '--cgroup-root=/shakedown-node2',
      '--node-ip=10.217.0.12',
      '--pod-infra-container-image=x',
    ]);
    expect(kubeadmFlags('')).toEqual([]);
  });

  it("maps the node's fixed paths to its own directories and refuses any other", () => {
    expect(onNode(nodeLayout(2), '/etc/kubernetes/pki/ca.crt')).toBe(join(nodeLayout(2).dir, 'root', 'etc-kubernetes', 'pki', 'ca.crt'));
    expect(() => onNode(nodeLayout(2), '/etc/passwd')).toThrow(/not one of the node's own directories/);
  });
});
