import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllYaml, loadYaml } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { SONOBUOY_FILES } from '../reports/sonobuoy.ts';
import { deployObjects, type DeployPlan, type KubeObject } from './deploy-manifests.ts';
import { sonobuoyObjects, sonobuoyPlan, type SonobuoyPlugin } from './deploy-sonobuoy.ts';
import { main } from './main.ts';
import { testPlan } from './testing/deploy-plan.ts';

// deploy's plan, as deployCommand makes it with the probe image it chose.
const plan = (over: Partial<DeployPlan> = {}): DeployPlan =>
  testPlan({ args: ['run', '--in-cluster', '--report-log', '--suite', 'services', '--probe-image', 'localhost/shakedown/node:24.21.0'], ...over });

type Container = { name: string; image: string; args: string[]; volumeMounts: { name: string; mountPath: string }[]; command?: unknown };

describe('sonobuoy plugin objects', () => {
  it("are deploy's objects without the Job, in sonobuoy's namespace; the Job's runner is the plugin", () => {
    const sonobuoy = sonobuoyPlan(plan(), undefined);
    expect(sonobuoy.namespace).toBe('sonobuoy');
    expect(sonobuoy.args).not.toContain('--report-log');
    const { objects, plugin } = sonobuoyObjects(sonobuoy);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Namespace sonobuoy',
      'ServiceAccount shakedown',
      'ValidatingAdmissionPolicy shakedown-sonobuoy',
      'ValidatingAdmissionPolicyBinding shakedown-sonobuoy',
      'ClusterRole shakedown-sonobuoy',
      'ClusterRoleBinding shakedown-sonobuoy',
      'ClusterRole shakedown-sonobuoy-run',
    ]);
    // The same RBAC and policy deploy makes for that namespace, unchanged.
    const deployed = deployObjects(sonobuoy);
    for (const object of objects.filter((o) => o.kind !== 'Namespace'))
      expect(object).toEqual(deployed.find((d) => d.kind === object.kind && d.metadata.name === object.metadata.name));
    for (const object of objects) expect(object.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: 'shakedown', [RUN_ID_LABEL]: 'sd-20261203-abcdef' });
    expect(objects[0]?.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');

    const job = deployed.find((o) => o.kind === 'Job') as KubeObject & { spec: { template: { spec: { containers: Container[] } & Record<string, unknown> } } };
    const [runner] = job.spec.template.spec.containers;
    expect(plugin['sonobuoy-config']).toMatchObject({
      driver: 'Job',
      'plugin-name': 'shakedown',
      'result-format': 'manual',
      'result-files': [SONOBUOY_FILES.results],
    });
    const container = plugin.spec as Container;
    // shakedown is the container's process: the image's entry point, no shell.
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(runner?.args);
    expect(container.args).toEqual([
      'run',
      '--in-cluster',
      '--suite',
      'services',
      '--probe-image',
      'localhost/shakedown/node:24.21.0',
      '--run',
      'sd-20261203-123456',
      '--run-role',
      'shakedown-sonobuoy-run',
    ]);
    expect(container.image).toBe('localhost/shakedown/runner:0.1.0');
    expect(container.volumeMounts).toEqual([...(runner?.volumeMounts ?? []), { name: 'results', mountPath: '/tmp/sonobuoy/results' }]);
    expect(plugin.podSpec).toMatchObject({
      serviceAccountName: 'shakedown',
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 120,
      securityContext: { runAsNonRoot: true },
    });
  });

  it('take the namespace given', () => {
    const { objects } = sonobuoyObjects(sonobuoyPlan(plan(), 'conformance'));
    expect(objects.map((o) => o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined)).filter(Boolean)).toEqual([
      'conformance',
      'conformance',
    ]);
  });
});

describe('shakedown deploy --sonobuoy-plugin', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sd-deploy-sonobuoy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function deploy(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = {
      argv: ['deploy', ...argv],
      env: {},
      cwd: dir,
      home: undefined,
      stdout: { write: (s: string) => ((stdout += s), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
    };
    return { code: await main(io), stdout, stderr };
  }

  it('writes the plugin to FILE and prints its namespace, ServiceAccount, RBAC and policy; the plugin names the run the policy confines', async () => {
    const file = join(dir, 'plugin.yaml');
    const ran = await deploy([
      '--sonobuoy-plugin',
      file,
      '--suite',
      'dns',
      '--image',
      'registry.test/shakedown/runner:0.1.0',
      '--probe-image',
      'registry.test/node:24',
    ]);
    expect(ran).toMatchObject({ code: 0, stderr: expect.stringContaining(`wrote the sonobuoy plugin to ${file}`) });
    const objects = loadAllYaml(ran.stdout) as KubeObject[];
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRole',
    ]);
    expect(ran.stdout).toMatch(/^# shakedown deploy --sonobuoy-plugin \(run sd-/);
    expect(ran.stdout).toContain(
      `sonobuoy run --plugin ${file} --namespace sonobuoy --aggregator-permissions namespaceAdmin --skip-preflight=existingnamespace --wait`,
    );
    const plugin = loadYaml(await readFile(file, 'utf8')) as SonobuoyPlugin;
    const args = (plugin.spec as Container).args;
    const run = args[args.indexOf('--run') + 1];
    const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy') as KubeObject & {
      spec: { matchConditions: { expression: string }[]; validations: { message: string }[] };
    };
    expect(policy.spec.matchConditions[0]?.expression).toBe("request.userInfo.username == 'system:serviceaccount:sonobuoy:shakedown'");
    expect(policy.spec.validations[0]?.message).toContain(`the runner of shakedown run ${run} may only make namespaces of its run`);
    expect(args).toEqual([
      'run',
      '--in-cluster',
      '--suite',
      'dns',
      '--probe-image',
      'registry.test/node:24',
      '--run',
      run,
      '--run-role',
      'shakedown-sonobuoy-run',
    ]);
    expect(plugin.spec).toMatchObject({ image: 'registry.test/shakedown/runner:0.1.0', imagePullPolicy: 'IfNotPresent' });
  });

  it('refuses --apply and --wait: sonobuoy runs the plugin', async () => {
    for (const flag of ['--apply', '--wait']) {
      const ran = await deploy(['--sonobuoy-plugin', join(dir, 'p.yaml'), flag]);
      expect(ran.code).toBe(2);
      expect(ran.stderr.split('\n')[0]).toBe(
        `error SD_BAD_FLAG: --sonobuoy-plugin cannot be combined with ${flag}: sonobuoy runs the plugin (create the printed objects, then sonobuoy run --plugin FILE)`,
      );
    }
  });
});
