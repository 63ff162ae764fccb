import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrown } from '../testing/shakedown-error.ts';
import { findKubeconfig, IN_CLUSTER_CONTEXT, inClusterConfig, loadKube } from './kubeconfig.ts';
import { resolveCredentials } from './connection.ts';

// A pod's ServiceAccount mount, as the kubelet makes it: token, ca.crt, namespace.
function serviceAccountDir(token = 'sa-token-1'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sd-sa-'));
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'namespace'), 'shakedown');
  return dir;
}

const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

describe('--in-cluster', () => {
  it("uses the pod's ServiceAccount: the API server's Service address, its CA and token files", () => {
    const dir = serviceAccountDir();
    const location = findKubeconfig({ explicit: undefined, env: podEnv, home: undefined, inCluster: true, serviceAccountDir: dir });
    expect(location).toEqual({
      paths: [],
      origin: 'in-cluster',
      inCluster: { server: 'https://10.96.0.1:443', caFile: join(dir, 'ca.crt'), tokenFile: join(dir, 'token') },
    });
    const loaded = loadKube(location!);
    expect(loaded.server).toBe('https://10.96.0.1:443');
    expect(loaded.target).toEqual({ paths: [], context: IN_CLUSTER_CONTEXT, inCluster: location!.inCluster });
    // A worker loads the same from the serializable target.
    expect(loadKube(JSON.parse(JSON.stringify(loaded.target)) as typeof loaded.target).server).toBe('https://10.96.0.1:443');
  });

  it('sends the token from the file (client-node reads it again after a minute, so a rotated token is picked up)', async () => {
    const dir = serviceAccountDir('first');
    const loaded = loadKube(findKubeconfig({ explicit: undefined, env: podEnv, home: undefined, inCluster: true, serviceAccountDir: dir })!);
    expect((await resolveCredentials(loaded.kc)).headers.Authorization).toBe('Bearer first');
    expect((await resolveCredentials(loaded.kc)).ca?.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('brackets an IPv6 Service address', () => {
    expect(inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir()).server).toBe('https://[fd00::1]:443');
  });

  it('says what shows this is not a pod', () => {
    const error = thrown(() =>
      findKubeconfig({ explicit: undefined, env: {}, home: undefined, inCluster: true, serviceAccountDir: join(tmpdir(), 'sd-no-such-dir') }),
    );
    expect(error.code).toBe('SD_KUBECONFIG_INVALID');
    expect(error.message).toMatch(
      /^--in-cluster: this is not a pod with a ServiceAccount token \(KUBERNETES_SERVICE_HOST is unset; KUBERNETES_SERVICE_PORT is unset; .*token does not exist; .*ca\.crt does not exist\)$/,
    );
    expect(error.hint).toMatch(/--kubeconfig/);
  });

  it('refuses --in-cluster with --kubeconfig', () => {
    expect(thrown(() => findKubeconfig({ explicit: '/x/k', env: podEnv, home: undefined, inCluster: true, serviceAccountDir: serviceAccountDir() })).code).toBe(
      'SD_BAD_FLAG',
    );
  });

  it('is automatic in a pod with no kubeconfig anywhere, and never over one that exists', () => {
    const dir = serviceAccountDir();
    expect(findKubeconfig({ explicit: undefined, env: podEnv, home: undefined, serviceAccountDir: dir })?.origin).toBe('in-cluster');
    const home = mkdtempSync(join(tmpdir(), 'sd-home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\n');
    expect(findKubeconfig({ explicit: undefined, env: podEnv, home, serviceAccountDir: dir })?.origin).toBe('home');
    // Outside a pod (no token mounted), there is still no kubeconfig at all.
    expect(findKubeconfig({ explicit: undefined, env: podEnv, home: undefined, serviceAccountDir: join(tmpdir(), 'sd-no-such-dir') })).toBeUndefined();
  });
});
