// For tests of deploy's objects: the services suite's deploy plan, with the fields a test changes.
import { discoverSuites, loadSuites, selectSuites } from '../../helpers/engine/suites.ts';
import type { SuiteManifest } from '../../helpers/engine/manifest.ts';
import type { DeployPlan } from '../deploy-manifests.ts';

const all = await loadSuites(discoverSuites());

export function pick(...names: string[]): SuiteManifest[] {
  return selectSuites(all, names, { kind: 'flag', flag: 'suite' }).map((suite) => suite.manifest);
}

export function allManifests(): SuiteManifest[] {
  return all.map((suite) => suite.manifest);
}

export function testPlan(over: Partial<DeployPlan> = {}): DeployPlan {
  return {
    runId: 'sd-20261203-abcdef',
    runnerRunId: 'sd-20261203-123456',
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
