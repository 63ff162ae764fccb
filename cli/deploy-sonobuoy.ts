// `shakedown deploy --sonobuoy-plugin FILE`: the runner of `shakedown deploy`, confined the same way,
// as a sonobuoy plugin. FILE gets the plugin (sonobuoy run --plugin FILE); standard output gets what
// it runs as: the namespace sonobuoy runs in, a ServiceAccount of its own there, the two ClusterRoles
// derived from the chosen suites (one bound cluster-wide, one the runner binds in its run's
// namespaces) and the admission policy that confines its writes to its run.
//
// Everything is derived from deploy's own objects (deploy-manifests.ts), never kept beside them: the
// RBAC and the policy as deploy makes them; the plugin's container and pod from deploy's Job (image,
// arguments with the run id and role, ServiceAccount, security context, resources, grace period).
// What differs: no --report-log (the runner writes its reports into SONOBUOY_RESULTS_DIR itself, then
// sonobuoy's done file: reports/sonobuoy.ts), the namespace is sonobuoy's (made here, so sonobuoy
// runs with --skip-preflight=existingnamespace, as its own least-privilege modes do), and Pod
// Security there is baseline: sonobuoy's aggregator and worker are not written for restricted.
import { writeFile } from 'node:fs/promises';
import { dumpYaml } from '@kubernetes/client-node';
import { ShakedownError } from '../helpers/errors.ts';
import { PURPOSE_ANNOTATION } from '../helpers/run/labels.ts';
import type { Settings } from '../helpers/settings.ts';
import { SONOBUOY_FILES } from '../reports/sonobuoy.ts';
import { deployObjects, deployRoles, RUNNER_NAME, type DeployPlan, type KubeObject } from './deploy-manifests.ts';
import type { CliIo } from './io.ts';

export const SONOBUOY_NAMESPACE = 'sonobuoy';
export const PLUGIN_NAME = 'shakedown';
// Where sonobuoy mounts its results volume (pkg/plugin/constants.go ResultsDir); it sets the same
// path in SONOBUOY_RESULTS_DIR and moves the mount if its configuration names another.
export const SONOBUOY_RESULTS_PATH = '/tmp/sonobuoy/results';
const POD_SECURITY = 'pod-security.kubernetes.io/enforce';
// Flags of the Job's runner that have no place in a plugin.
const NOT_IN_PLUGIN = new Set(['--report-log']);

// A sonobuoy plugin definition (pkg/plugin/manifest): sonobuoy-config, the container (spec), the pod.
export interface SonobuoyPlugin {
  'sonobuoy-config': {
    driver: 'Job';
    'plugin-name': string;
    'result-format': 'manual';
    'result-files': string[];
    description: string;
  };
  spec: Record<string, unknown>;
  podSpec: Record<string, unknown>;
}

// deploy's plan, for sonobuoy: the namespace is sonobuoy's, the reports go to SONOBUOY_RESULTS_DIR.
export function sonobuoyPlan(plan: DeployPlan, namespace: string | undefined): DeployPlan {
  return { ...plan, namespace: namespace ?? SONOBUOY_NAMESPACE, args: plan.args.filter((arg) => !NOT_IN_PLUGIN.has(arg)) };
}

interface JobPod {
  spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
}

export function sonobuoyObjects(plan: DeployPlan): { objects: KubeObject[]; plugin: SonobuoyPlugin } {
  const all = deployObjects(plan);
  const job = all.find((object) => object.kind === 'Job') as (KubeObject & JobPod) | undefined;
  const { containers, ...pod } = job?.spec.template.spec ?? { containers: [] };
  const [container] = containers;
  if (job === undefined || container === undefined) throw new ShakedownError('SD_INTERNAL', 'deploy made no Job to turn into a sonobuoy plugin');
  const objects = all
    .filter((object) => object.kind !== 'Job')
    .map((object) => {
      if (object.kind !== 'Namespace') return object;
      const annotations = {
        ...object.metadata.annotations,
        [PURPOSE_ANNOTATION]: `sonobuoy's namespace, made by shakedown for its plugin's ServiceAccount (shakedown run ${plan.runnerRunId})`,
      };
      return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [POD_SECURITY]: 'baseline' }, annotations } };
    });
  const mounts = (container.volumeMounts as unknown[] | undefined) ?? [];
  const plugin: SonobuoyPlugin = {
    'sonobuoy-config': {
      driver: 'Job',
      'plugin-name': PLUGIN_NAME,
      'result-format': 'manual',
      'result-files': [SONOBUOY_FILES.results],
      description: `shakedown ${plan.suites.map((suite) => suite.name).join(', ')} as run ${plan.runnerRunId}, confined to it (ServiceAccount ${RUNNER_NAME} in ${plan.namespace})`,
    },
    // The image's entry point is shakedown itself: it is the container's process and gets SIGTERM.
    spec: { ...container, name: 'plugin', volumeMounts: [...mounts, { name: 'results', mountPath: SONOBUOY_RESULTS_PATH }] },
    // sonobuoy adds its worker container and the results volume to this pod, and changes nothing else.
    podSpec: { ...pod, nodeSelector: { 'kubernetes.io/os': 'linux' } },
  };
  return { objects, plugin };
}

export function pluginYaml(plugin: SonobuoyPlugin, plan: DeployPlan): string {
  return `# shakedown as a sonobuoy plugin, for run ${plan.runnerRunId} only (written by shakedown deploy --sonobuoy-plugin).\n${dumpYaml(plugin)}`;
}

export function rbacYaml(objects: readonly KubeObject[], plan: DeployPlan, file: string): string {
  const roles = deployRoles(plan);
  const ns = plan.namespace;
  const head = [
    `# shakedown deploy --sonobuoy-plugin (run ${plan.runId}): namespace ${ns} for sonobuoy, the ServiceAccount ${RUNNER_NAME} there that the plugin in ${file} runs as,`,
    `# ClusterRole ${roles.held.name} (bound to it)${roles.run === undefined ? '' : ` and ${roles.run.name} (bound by the runner in its own namespaces only)`}, derived from ${plan.suites.map((s) => s.name).join(', ')},`,
    `# and the admission policy that confines its writes to run ${plan.runnerRunId}. The plugin is good for that one run: generate both again for the next.`,
    `#   kubectl create -f THIS_FILE`,
    `#   sonobuoy run --plugin ${file} --namespace ${ns} --aggregator-permissions namespaceAdmin --skip-preflight=existingnamespace --wait`,
    `#   sonobuoy retrieve --namespace ${ns}; sonobuoy results TARBALL (--mode detailed: each check with its message, warning, skip reason or failure)`,
    `# Remove: sonobuoy delete --namespace ${ns} --wait (the namespace and the ServiceAccount), then shakedown cleanup --run ${plan.runId}`,
    `#   (or kubectl delete clusterrole,clusterrolebinding,validatingadmissionpolicy,validatingadmissionpolicybinding -l shakedown.dev/run-id=${plan.runId}).`,
  ];
  return `${head.join('\n')}\n${objects.map((object) => `---\n${dumpYaml(object)}`).join('')}`;
}

export async function sonobuoyPluginCommand(io: CliIo, input: { plan: DeployPlan; settings: Settings; file: string }): Promise<number> {
  const plan = sonobuoyPlan(input.plan, input.settings.namespace);
  const { objects, plugin } = sonobuoyObjects(plan);
  try {
    await writeFile(input.file, pluginYaml(plugin, plan));
  } catch (error) {
    throw new ShakedownError('SD_REPORT_WRITE_FAILED', `could not write the sonobuoy plugin to ${input.file}: ${(error as Error).message}`, { cause: error });
  }
  io.stdout.write(rbacYaml(objects, plan, input.file));
  io.stderr.write(
    `wrote the sonobuoy plugin to ${input.file} (run ${plan.runnerRunId}); its namespace, ServiceAccount, RBAC and admission policy are on standard output\n`,
  );
  return 0;
}
