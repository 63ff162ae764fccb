import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { resolveAll } from '../helpers/config.ts';
import { PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { LOCAL_CLUSTER_CONTEXT, PINNED_NODE_VERSION } from '../helpers/fleet/image.ts';
import { confinedPermissions, rbacRules, type PolicyRule } from '../helpers/kube/permissions.ts';
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { thrown } from '../helpers/testing/shakedown-error.ts';
import { localRunnerImage, packageVersion, runnerArgs, runnerImage } from './deploy.ts';
import { collectionPath, deployObjects, type KubeObject } from './deploy-manifests.ts';
import { main } from './main.ts';
import { allManifests, pick, testPlan } from './testing/deploy-plan.ts';

const plan = testPlan;

// shakedown deploy through main(), as a user runs it: its exit code, stdout and stderr.
async function deploy(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main({ argv: ['deploy', ...argv], env: {}, cwd: PACKAGE_ROOT, home: undefined, stdout, stderr });
  return { code, out, err };
}

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('deploy objects', () => {
  it('a namespace, a ServiceAccount, the admission policy, the two derived ClusterRoles (one bound), and the Job, all labelled with the run', () => {
    const objects = deployObjects(plan());
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Namespace sd-20261203-abcdef-deploy',
      'ServiceAccount shakedown',
      'ValidatingAdmissionPolicy shakedown-sd-20261203-abcdef-deploy',
      'ValidatingAdmissionPolicyBinding shakedown-sd-20261203-abcdef-deploy',
      'ClusterRole shakedown-sd-20261203-abcdef-deploy',
      'ClusterRoleBinding shakedown-sd-20261203-abcdef-deploy',
      'ClusterRole shakedown-sd-20261203-abcdef-deploy-run',
      'Job shakedown',
    ]);
    for (const object of objects) expect(object.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'shakedown', [RUN_ID_LABEL]: 'sd-20261203-abcdef' });
    const [held, run] = byKind(objects, 'ClusterRole');
    // Exactly what preflight asks for (exec as the fallback of transport auto), split by where it is bound.
    const split = confinedPermissions(pick('services'), 'auto', 'shakedown-sd-20261203-abcdef-deploy-run');
    expect(held?.rules).toEqual(rbacRules(split.held));
    expect(run?.rules).toEqual(rbacRules(split.perNamespace));
    expect(byKind(objects, 'ClusterRoleBinding')).toHaveLength(1);
    expect(byKind(objects, 'ClusterRoleBinding')[0]).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'shakedown-sd-20261203-abcdef-deploy' },
      subjects: [{ kind: 'ServiceAccount', name: 'shakedown', namespace: 'sd-20261203-abcdef-deploy' }],
    });
    const namespace = byKind(objects, 'Namespace')[0];
    expect(namespace?.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(namespace?.metadata.annotations?.['shakedown.dev/expires-at']).toBe('2026-12-03T23:30:00.000Z');
  });

  it('cluster-wide, the runner reads, and writes only what admission confines: no pod, exec, port-forward, Secret or Deployment verb', () => {
    const [held, run] = byKind(deployObjects(plan({ suites: allManifests() })), 'ClusterRole') as (KubeObject & { rules: PolicyRule[] })[];
    const writes = held!.rules.flatMap((rule) =>
      rule.verbs
        .filter((verb) => !['get', 'list', 'watch'].includes(verb))
        .map(
          (verb) => `${verb} ${rule.resources?.[0] ?? rule.nonResourceURLs?.[0]}${rule.resourceNames === undefined ? '' : ` ${rule.resourceNames.join(',')}`}`,
        ),
    );
    expect(writes.sort()).toEqual([
      'bind clusterroles shakedown-sd-20261203-abcdef-deploy-run',
      'create namespaces',
      'create persistentvolumes',
      'create rolebindings',
      'delete namespaces',
      'delete persistentvolumes',
      'patch namespaces',
      'update persistentvolumes',
    ]);
    expect(held!.rules.some((rule) => rule.resources?.includes('secrets'))).toBe(false);
    expect(held!.rules.some((rule) => rule.resources?.some((resource) => resource.startsWith('pods/') && resource !== 'pods/log'))).toBe(false);
    // The run role holds the pod, exec and Secret verbs: bound only where the run makes namespaces.
    expect(run!.rules.map((rule) => rule.resources?.[0])).toEqual(expect.arrayContaining(['pods', 'pods/exec', 'secrets']));
  });

  it('the runner runs under the run id and binds the role the admission policy names', () => {
    const objects = deployObjects(plan());
    const job = byKind(objects, 'Job')[0] as KubeObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    expect(job.spec.template.spec.containers[0]?.args.slice(-4)).toEqual([
      '--run',
      'sd-20261203-123456',
      '--run-role',
      'shakedown-sd-20261203-abcdef-deploy-run',
    ]);
    const policy = byKind(objects, 'ValidatingAdmissionPolicy')[0] as KubeObject & {
      spec: { matchConditions: { expression: string }[]; validations: { expression: string }[] };
    };
    expect(policy.spec.matchConditions[0]?.expression).toBe("request.userInfo.username == 'system:serviceaccount:sd-20261203-abcdef-deploy:shakedown'");
    expect(policy.spec.validations.map((v) => v.expression).join('\n')).toContain("'sd-20261203-123456'");
    // Only read-only suites: nothing to confine, no run role, no policy.
    const readOnly = deployObjects(plan({ suites: pick('gate') }));
    expect(readOnly.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Job']);
    const verbs = new Set((byKind(readOnly, 'ClusterRole')[0]?.rules as { verbs: string[] }[]).flatMap((rule) => rule.verbs));
    expect([...verbs].filter((verb) => !['get', 'list', 'watch'].includes(verb))).toEqual([]);
  });

  it('a Job of one attempt, as the ServiceAccount, that meets Pod Security restricted', () => {
    const job = byKind(deployObjects(plan()), 'Job')[0] as KubeObject & {
      spec: { backoffLimit: number; activeDeadlineSeconds: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({
      serviceAccountName: 'shakedown',
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(pod.containers[0]).toMatchObject({
      image: 'localhost/shakedown/runner:0.1.0',
      imagePullPolicy: 'Never',
      args: [
        'run',
        '--in-cluster',
        '--report-log',
        '--suite',
        'services',
        '--run',
        'sd-20261203-123456',
        '--run-role',
        'shakedown-sd-20261203-abcdef-deploy-run',
      ],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(collectionPath(job)).toBe('/apis/batch/v1/namespaces/sd-20261203-abcdef-deploy/jobs');
    expect(collectionPath(byKind(deployObjects(plan()), 'ClusterRole')[0]!)).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles');
  });
});

describe('the runner', () => {
  it('runs in the pod with the suites, the probe image and the settings given here', () => {
    const { settings, sources } = resolveAll(['suites', 'concurrency', 'checkTimeout', 'transport', 'apiQps'], {
      flags: { suite: ['services'], 'check-timeout': '2m', transport: 'proxy' },
      env: { SHAKEDOWN_CONCURRENCY: '4' },
      cwd: '/',
    });
    const args = runnerArgs({
      settings: { ...settings } as never,
      sources,
      suites: pick('services', 'netpol'),
      flags: { 'netpol-bound': '45s' },
      probeImage: 'mirror.example/node:24',
    });
    expect(args).toEqual([
      'run',
      '--in-cluster',
      '--report-log',
      '--suite',
      'netpol',
      '--suite',
      'services',
      '--probe-image',
      'mirror.example/node:24',
      '--concurrency',
      '4',
      '--check-timeout',
      '2m',
      '--transport',
      'proxy',
      '--netpol-bound',
      '45s',
    ]);
  });

  it('passes the check patterns on as given: the runner reports what they leave out', () => {
    const { settings, sources } = resolveAll(['suites', 'checks', 'skipChecks'], {
      flags: { check: ['dns/*', 'smoke/pod to pod over HTTP, TCP and UDP'], 'skip-check': ['dns/load › *'] },
      env: {},
      cwd: '/',
    });
    expect(runnerArgs({ settings: settings as never, sources, suites: pick('dns', 'smoke'), flags: {}, probeImage: 'p' })).toEqual([
      'run',
      '--in-cluster',
      '--report-log',
      '--check',
      'dns/*',
      '--check',
      'smoke/pod to pod over HTTP, TCP and UDP',
      '--skip-check',
      'dns/load › *',
      '--probe-image',
      'p',
    ]);
  });

  it('runs every suite when none was chosen', () => {
    const { settings, sources } = resolveAll(['suites'], { flags: {}, env: {}, cwd: '/' });
    expect(runnerArgs({ settings: settings as never, sources, suites: allManifests(), flags: {}, probeImage: 'p' })).toEqual([
      'run',
      '--in-cluster',
      '--report-log',
      '--probe-image',
      'p',
    ]);
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
    const { code, out, err } = await deploy('--suite', 'services', '--image', 'mirror.example/shakedown/runner:1');
    expect(code, err).toBe(0);
    const docs = loadAllYaml(out).filter((doc) => doc !== null && doc !== undefined) as KubeObject[];
    const namespace = docs[0]?.metadata.name ?? '';
    expect(namespace).toMatch(/^sd-\d{8}-[0-9a-f]{6}-deploy$/);
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual([
      `Namespace ${namespace}`,
      'ServiceAccount shakedown',
      `ValidatingAdmissionPolicy shakedown-${namespace}`,
      `ValidatingAdmissionPolicyBinding shakedown-${namespace}`,
      `ClusterRole shakedown-${namespace}`,
      `ClusterRoleBinding shakedown-${namespace}`,
      `ClusterRole shakedown-${namespace}-run`,
      'Job shakedown',
    ]);
    const job = docs[7] as KubeObject & { spec: { template: { spec: { containers: { image: string; imagePullPolicy: string; args: string[] }[] } } } };
    expect(job.spec.template.spec.containers[0]).toMatchObject({ image: 'mirror.example/shakedown/runner:1', imagePullPolicy: 'IfNotPresent' });
    expect(job.spec.template.spec.containers[0]?.args.slice(0, 5)).toEqual(['run', '--in-cluster', '--report-log', '--suite', 'services']);
    // create, never apply: an existing namespace of the same name is refused, not adopted.
    expect(out).toMatch(/^# Create: kubectl create -f FILE/m);
  });

  it.each(['kube-system', 'default', 'kube-public', 'kube-node-lease'])('refuses --namespace %s: exit 2, one line, nothing printed', async (namespace) => {
    const { code, out, err } = await deploy('--suite', 'services', '--image', 'mirror.example/shakedown/runner:1', '--namespace', namespace);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      new RegExp(`^error SD_BAD_FLAG: --namespace ${namespace}: deploy makes a namespace of its own and never takes over default or kube-\\*`),
    );
  });

  it('without --image, off the local cluster, exits 2 naming the flag', async () => {
    const { code, err } = await deploy('--suite', 'services');
    expect(code).toBe(2);
    expect(err).toMatch(/^error SD_BAD_FLAG: shakedown deploy needs --image REF/);
  });
});
