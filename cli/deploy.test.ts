import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { resolveAll } from '../helpers/config.ts';
import { discoverSuites, loadSuites, PACKAGE_ROOT, selectSuites } from '../helpers/engine/suites.ts';
import { LOCAL_CLUSTER_CONTEXT, PINNED_NODE_VERSION } from '../helpers/fleet/image.ts';
import { clusterRoleRules } from '../helpers/kube/permissions.ts';
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { thrown } from '../helpers/testing/shakedown-error.ts';
import { localRunnerImage, packageVersion, runnerArgs, runnerImage } from './deploy.ts';
import { collectionPath, deployObjects, type DeployPlan, type KubeObject } from './deploy-manifests.ts';
import { main } from './main.ts';

const all = await loadSuites(discoverSuites());
const pick = (...names: string[]) => selectSuites(all, names, { kind: 'flag', flag: 'suite' }).map((s) => s.manifest);

function plan(over: Partial<DeployPlan> = {}): DeployPlan {
  return {
    runId: 'sd-20261203-abcdef',
    namespace: 'sd-20261203-abcdef-deploy',
    image: 'localhost/shakedown/runner:0.1.0',
    pullPolicy: 'Never',
    args: ['run', '--in-cluster', '--report-log', '--suite', 'services'],
    suites: pick('services'),
    transport: 'auto',
    jobTimeoutMs: 3_600_000,
    expiresAt: new Date('2026-12-03T23:30:00Z'),
    ...over,
  };
}

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('deploy objects', () => {
  it('a namespace, a ServiceAccount, the derived ClusterRole and its binding, and the Job, all labelled with the run', () => {
    const objects = deployObjects(plan());
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Namespace sd-20261203-abcdef-deploy',
      'ServiceAccount shakedown',
      'ClusterRole shakedown-sd-20261203-abcdef-deploy',
      'ClusterRoleBinding shakedown-sd-20261203-abcdef-deploy',
      'Job shakedown',
    ]);
    for (const object of objects) expect(object.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'shakedown', [RUN_ID_LABEL]: 'sd-20261203-abcdef' });
    const [role] = byKind(objects, 'ClusterRole');
    // Exactly what preflight asks for (exec as the fallback of transport auto), nothing more.
    expect(role?.rules).toEqual(clusterRoleRules(pick('services'), 'auto', { withFallback: true }));
    expect(byKind(objects, 'ClusterRoleBinding')[0]).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'shakedown-sd-20261203-abcdef-deploy' },
      subjects: [{ kind: 'ServiceAccount', name: 'shakedown', namespace: 'sd-20261203-abcdef-deploy' }],
    });
    const namespace = byKind(objects, 'Namespace')[0];
    expect(namespace?.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(namespace?.metadata.annotations?.['shakedown.dev/expires-at']).toBe('2026-12-03T23:30:00.000Z');
  });

  it('a separate read-only role for the read-only suites, with no verb that writes', () => {
    const objects = deployObjects(plan({ suites: pick('services', 'gate') }));
    const roles = byKind(objects, 'ClusterRole');
    expect(roles.map((r) => r.metadata.name)).toEqual(['shakedown-sd-20261203-abcdef-deploy', 'shakedown-sd-20261203-abcdef-deploy-read-only']);
    expect(roles[0]?.rules).toEqual(clusterRoleRules(pick('services'), 'auto', { withFallback: true }));
    expect(roles[1]?.rules).toEqual(clusterRoleRules(pick('gate'), 'auto'));
    const verbs = new Set((roles[1]?.rules as { verbs: string[] }[]).flatMap((rule) => rule.verbs));
    expect([...verbs].filter((verb) => !['get', 'list', 'watch'].includes(verb))).toEqual([]);
    expect(byKind(objects, 'ClusterRoleBinding').map((b) => (b.roleRef as { name: string }).name)).toEqual(roles.map((r) => r.metadata.name));
    // Only read-only suites: only the read-only role.
    expect(byKind(deployObjects(plan({ suites: pick('gate') })), 'ClusterRole').map((r) => r.metadata.name)).toEqual(['shakedown-sd-20261203-abcdef-deploy-read-only']);
  });

  it('a Job of one attempt, as the ServiceAccount, that meets Pod Security restricted', () => {
    const job = byKind(deployObjects(plan()), 'Job')[0] as KubeObject & { spec: { backoffLimit: number; activeDeadlineSeconds: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'shakedown', restartPolicy: 'Never', securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(pod.containers[0]).toMatchObject({
      image: 'localhost/shakedown/runner:0.1.0',
      imagePullPolicy: 'Never',
      args: ['run', '--in-cluster', '--report-log', '--suite', 'services'],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(collectionPath(job)).toBe('/apis/batch/v1/namespaces/sd-20261203-abcdef-deploy/jobs');
    expect(collectionPath(byKind(deployObjects(plan()), 'ClusterRole')[0]!)).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles');
  });
});

describe('the runner', () => {
  it('runs in the pod with the suites, the probe image and the settings given here', () => {
    const { settings, sources } = resolveAll(['suites', 'concurrency', 'checkTimeout', 'transport', 'apiQps'], { flags: { suite: ['services'], 'check-timeout': '2m', transport: 'proxy' }, env: { SHAKEDOWN_CONCURRENCY: '4' }, cwd: '/' });
    const args = runnerArgs({ settings: { ...settings } as never, sources, suites: pick('services', 'netpol'), flags: { 'netpol-bound': '45s' }, probeImage: 'mirror.example/node:24' });
    expect(args).toEqual(['run', '--in-cluster', '--report-log', '--suite', 'netpol', '--suite', 'services', '--probe-image', 'mirror.example/node:24', '--concurrency', '4', '--check-timeout', '2m', '--transport', 'proxy', '--netpol-bound', '45s']);
  });

  it('runs every suite when none was chosen', () => {
    const { settings, sources } = resolveAll(['suites'], { flags: {}, env: {}, cwd: '/' });
    expect(runnerArgs({ settings: settings as never, sources, suites: all.map((s) => s.manifest), flags: {}, probeImage: 'p' })).toEqual(['run', '--in-cluster', '--report-log', '--probe-image', 'p']);
  });

  it("its image: --image, the local cluster's own, else a clear error", () => {
    expect(runnerImage('mirror.example/shakedown/runner:1', 'prod', '0.1.0')).toBe('mirror.example/shakedown/runner:1');
    expect(runnerImage(undefined, LOCAL_CLUSTER_CONTEXT, '0.1.0')).toBe('localhost/shakedown/runner:0.1.0');
    const error = thrown(() => runnerImage(undefined, 'prod', '0.1.0'));
    expect(error.code).toBe('SD_BAD_FLAG');
    expect(error.message).toMatch(/needs --image REF/);
  });

  it('the Containerfile: the pinned Node.js 24 base, the packed package, the entry point shakedown', () => {
    const text = readFileSync(join(PACKAGE_ROOT, 'Containerfile'), 'utf8');
    expect(text).toContain(`ARG NODE_IMAGE=node:${PINNED_NODE_VERSION}-`);
    expect(text).toMatch(/npm pack/);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/^ENTRYPOINT \["shakedown"\]$/m);
    expect(localRunnerImage(packageVersion(PACKAGE_ROOT))).toMatch(/^localhost\/shakedown\/runner:\d+\.\d+\.\d+/);
  });
});

describe('shakedown deploy (printing)', () => {
  it('prints YAML that kubectl applies: the same objects, in order', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await main({ argv: ['deploy', '--suite', 'services', '--image', 'mirror.example/shakedown/runner:1'], env: {}, cwd: PACKAGE_ROOT, home: undefined, stdout, stderr });
    expect(code, err).toBe(0);
    const docs = loadAllYaml(out).filter((doc) => doc !== null && doc !== undefined) as KubeObject[];
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual(['Namespace shakedown', 'ServiceAccount shakedown', 'ClusterRole shakedown-shakedown', 'ClusterRoleBinding shakedown-shakedown', 'Job shakedown']);
    const job = docs[4] as KubeObject & { spec: { template: { spec: { containers: { image: string; imagePullPolicy: string; args: string[] }[] } } } };
    expect(job.spec.template.spec.containers[0]).toMatchObject({ image: 'mirror.example/shakedown/runner:1', imagePullPolicy: 'IfNotPresent' });
    expect(job.spec.template.spec.containers[0]?.args.slice(0, 5)).toEqual(['run', '--in-cluster', '--report-log', '--suite', 'services']);
    expect(out).toMatch(/^# Apply: kubectl apply -f FILE/m);
  });

  it('without --image, off the local cluster, exits 2 naming the flag', async () => {
    const sink = new PassThrough();
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await main({ argv: ['deploy', '--suite', 'services'], env: {}, cwd: PACKAGE_ROOT, home: undefined, stdout: sink, stderr });
    expect(code).toBe(2);
    expect(err).toMatch(/^error SD_BAD_FLAG: shakedown deploy needs --image REF/);
  });
});
