// `shakedown deploy`: runs shakedown inside the cluster, for clusters CI cannot reach (a private
// API endpoint). By default it prints the objects (kubectl apply -f - takes them); --apply creates
// them; --wait creates them, follows the Job to its end, copies its JUnit, JSON and HTML reports
// back to --junit/--json/--html, removes everything it created (on success, failure and Ctrl-C)
// and exits with the runner's own exit code: one command, like a local run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpYaml } from '@kubernetes/client-node';
import type { FlagValues, Source } from '../helpers/config.ts';
import { formatMs } from '../helpers/config-values.ts';
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { LOCAL_CLUSTER_CONTEXT, chooseProbeImage, pullPolicyFor } from '../helpers/fleet/image.ts';
import { findKubeconfig, noKubeconfig, readKube } from '../helpers/kube/kubeconfig.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { KNOBS, type SettingKey, type Settings } from '../helpers/settings.ts';
import { deployObjects, RUNNER_CONTAINER, RUNNER_NAME, type DeployPlan, type KubeObject } from './deploy-manifests.ts';
import type { CliIo } from './io.ts';

// Engine settings the runner gets when they were given here (flag, variable or config file).
const FORWARDED: readonly SettingKey[] = ['concurrency', 'apiQps', 'setupTimeout', 'checkTimeout', 'probeTimeout', 'transport', 'failOn'];
const DURATIONS: ReadonlySet<SettingKey> = new Set(['setupTimeout', 'checkTimeout', 'probeTimeout']);
// Namespaces deploy never makes its own: the cluster's own. Any namespace that exists already is
// refused by the API server (deploy creates, never applies: nothing is adopted or relabelled).
const RESERVED_NAMESPACE = /^(default|kube-.*)$/;

// The namespace of the Job: --namespace, else one per deploy named after its run id (a namespace
// that exists already is never reused, not even one of an earlier deploy).
export function deployNamespace(given: string | undefined, runId: string): string {
  if (given === undefined) return `${runId}-deploy`;
  if (RESERVED_NAMESPACE.test(given)) {
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `--namespace ${given}: deploy makes a namespace of its own and never takes over default or kube-*; leave --namespace out (one per deploy) or name a namespace that does not exist`,
    );
  }
  return given;
}
// After the Job's deadline, how long before `shakedown cleanup` may take what is left.
const EXPIRY_MARGIN_MS = 15 * 60_000;

export function packageVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

// The runner image made on the local cluster (ci/cluster/runner-image.ts), named by this version.
export function localRunnerImage(version: string): string {
  return `localhost/shakedown/runner:${version}`;
}

export function runnerImage(configured: string | undefined, context: string | undefined, version: string): string {
  if (configured !== undefined) return configured;
  if (context === LOCAL_CLUSTER_CONTEXT) return localRunnerImage(version);
  throw new ShakedownError(
    'SD_BAD_FLAG',
    'shakedown deploy needs --image REF: the runner image, built from the Containerfile and pushed where the cluster pulls from',
    {
      hint: 'Build it with `podman build -t REGISTRY/shakedown:VERSION .` (or docker), push it, and pass --image REGISTRY/shakedown:VERSION.',
    },
  );
}

// The runner's command line: shakedown run in the pod, with its ServiceAccount, the reports in its
// log, the suites and the settings given here, and the probe image chosen here (inside, the
// context is not the one the local cluster is recognised by).
export function runnerArgs(input: {
  settings: Settings;
  sources: Partial<Record<SettingKey, Source>>;
  suites: readonly SuiteManifest[];
  flags: FlagValues;
  probeImage: string;
}): string[] {
  const args = ['run', '--in-cluster', '--report-log'];
  if (input.settings.suites.length > 0) for (const suite of input.suites) args.push('--suite', suite.name);
  // The check patterns as given: the runner reports what they leave out as skipped.
  for (const pattern of input.settings.checks ?? []) args.push('--check', pattern);
  for (const pattern of input.settings.skipChecks ?? []) args.push('--skip-check', pattern);
  args.push('--probe-image', input.probeImage);
  for (const key of FORWARDED) {
    const source = input.sources[key];
    if (source === undefined || source.kind === 'default') continue;
    const value = input.settings[key];
    args.push(`--${KNOBS[key].flag}`, DURATIONS.has(key) ? formatMs(value as number) : String(value));
  }
  // The JUnit report is written inside: its properties go with it.
  for (const [key, value] of Object.entries(input.settings.junitProperties ?? {})) args.push('--junit-property', `${key}=${value}`);
  // Suite options as given on this command line.
  for (const suite of input.suites) {
    for (const spec of Object.values(suite.options)) {
      const value = input.flags[spec.flag];
      if (value === undefined) continue;
      if (typeof value === 'boolean') args.push(value ? `--${spec.flag}` : `--no-${spec.flag}`);
      else if (typeof value === 'string') args.push(`--${spec.flag}`, value);
      else for (const item of value) args.push(`--${spec.flag}`, item);
    }
  }
  return args;
}

export function toYaml(objects: readonly KubeObject[], plan: DeployPlan): string {
  const head = [
    `# shakedown deploy (run ${plan.runId}): ${plan.suites.map((s) => s.name).join(', ')} as a Job in namespace ${plan.namespace}, running as run ${plan.runnerRunId}.`,
    `# Create: kubectl create -f FILE (create, not apply: it refuses a namespace ${plan.namespace} that exists instead of taking it over).`,
    `# Follow: kubectl -n ${plan.namespace} logs -f job/${RUNNER_NAME} -c ${RUNNER_CONTAINER} (the reports are packed at the end of the log).`,
    `# Remove: kubectl delete namespace ${plan.namespace}; kubectl delete namespace -l shakedown.dev/run-id=${plan.runnerRunId};`,
    `#   kubectl delete clusterrole,clusterrolebinding,validatingadmissionpolicy,validatingadmissionpolicybinding -l shakedown.dev/run-id=${plan.runId}`,
    `#   (or \`shakedown cleanup --run ${plan.runId}\` and \`--run ${plan.runnerRunId}\`). shakedown deploy --wait does all of it in one command.`,
  ];
  return `${head.join('\n')}\n${objects.map((object) => `---\n${dumpYaml(object)}`).join('')}`;
}

export interface DeployInput {
  settings: Settings;
  sources: Partial<Record<SettingKey, Source>>;
  suites: LoadedSuite[];
  flags: FlagValues;
  root: string;
}

export async function deployCommand(io: CliIo, input: DeployInput): Promise<number> {
  const { settings } = input;
  const manifests = input.suites.map((suite) => suite.manifest);
  const location = findKubeconfig({ explicit: settings.kubeconfig, env: io.env, home: io.home });
  const live = settings.apply || settings.wait;
  if (settings.sonobuoyPlugin !== undefined && live) {
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `--sonobuoy-plugin cannot be combined with --${settings.apply ? 'apply' : 'wait'}: sonobuoy runs the plugin (create the printed objects, then sonobuoy run --plugin FILE)`,
    );
  }
  if (live && location === undefined) throw noKubeconfig();
  // The context names the defaults (the local cluster's images); printing needs no cluster.
  // Read once, without blocking (a kubeconfig may be a pipe, which cannot be read twice): --apply and
  // --wait connect with what was read here.
  const loaded = location === undefined ? undefined : await readKube(location, settings.context);
  const context = loaded === undefined ? settings.context : loaded.target.context;
  const image = runnerImage(settings.image, context, packageVersion(input.root));
  const probe = chooseProbeImage(settings.probeImage, context ?? '');
  const runId = newRunId();
  const plan: DeployPlan = {
    runId,
    runnerRunId: newRunId(),
    namespace: deployNamespace(settings.namespace, runId),
    image,
    pullPolicy: pullPolicyFor(image),
    args: runnerArgs({ settings, sources: input.sources, suites: manifests, flags: input.flags, probeImage: probe.image }),
    suites: manifests,
    transport: settings.transport,
    jobTimeoutMs: settings.jobTimeout,
    expiresAt: new Date(Date.now() + settings.jobTimeout + EXPIRY_MARGIN_MS),
  };
  // --sonobuoy-plugin: the same runner as a sonobuoy plugin written to FILE, its RBAC printed.
  if (settings.sonobuoyPlugin !== undefined)
    return (await import('./deploy-sonobuoy.ts')).sonobuoyPluginCommand(io, { plan, settings, file: settings.sonobuoyPlugin });
  const objects = deployObjects(plan);
  if (!live) {
    io.stdout.write(toYaml(objects, plan));
    return 0;
  }
  if (loaded === undefined) throw noKubeconfig();
  const { applyAndFollow } = await import('./deploy-wait.ts');
  return applyAndFollow(io, { location: loaded.target, settings, plan, objects });
}
