// `shakedown run`: finds the kubeconfig and hands the run to the engine.
import { runShakedown } from '../helpers/engine/run.ts';
import type { SuiteFile } from '../helpers/engine/suites.ts';
import { findKubeconfig } from '../helpers/kube/kubeconfig.ts';
import type { Settings } from '../helpers/settings.ts';
import { createRunReporters } from '../reports/run-reporters.ts';
import type { CliIo } from './main.ts';

export async function runCommand(io: CliIo, settings: Settings, suites: SuiteFile[], root: string): Promise<number> {
  const kubeconfig = findKubeconfig({ explicit: settings.kubeconfig, env: io.env, home: io.home });
  const reporter = createRunReporters({ ...settings, stdout: io.stdout, stderr: io.stderr, env: io.env });
  const outcome = await runShakedown({ settings, suites, root, kubeconfig, stderr: io.stderr, reporter });
  return outcome.exitCode;
}
