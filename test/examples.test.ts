// The files in examples/ that people copy into their own setup: the sonobuoy plugin against
// sonobuoy's documented plugin format,
// the GitHub Actions workflow and the GitLab CI job against the formats those systems document
// for publishing JUnit, and our JUnit against what their JUnit readers take.
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { summarize } from '../helpers/result.ts';
import { createJUnitReporter } from '../reports/junit.ts';
import { failed, passed, runInfo, skipped, warned } from '../reports/testing/fixtures.ts';
import { childrenNamed, parseXml } from '../reports/testing/xml.ts';
import { RUNNER_MEMORY_LIMIT } from '../cli/deploy-manifests.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const example = <T>(name: string): T => loadYaml<T>(readFileSync(join(ROOT, 'examples', name), 'utf8'));

// The value of a flag in a shakedown command line.
function flag(command: string, name: string): string | undefined {
  return new RegExp(`--${name} ("[^"]+"|\\S+)`).exec(command)?.[1]?.replace(/^"|"$/g, '');
}

interface Plugin {
  'sonobuoy-config': Record<string, unknown>;
  spec: {
    name: string;
    image: string;
    command?: string[];
    args: string[];
    volumeMounts: { mountPath: string; name: string }[];
    resources?: { limits?: { memory?: string } };
  };
  podSpec?: { serviceAccountName?: string; terminationGracePeriodSeconds?: number };
}

describe('the sonobuoy plugin', () => {
  const plugin = example<Plugin>('sonobuoy-plugin.yaml');

  it("has sonobuoy's documented fields: a Job driver, a plugin name, the manual result format and its file, a container spec", () => {
    // The plugin definition's fields (sonobuoy's plugin manifest: sonobuoy-config, spec, podSpec,
    // extra-volumes, config-map), and sonobuoy-config's own.
    expect(Object.keys(plugin).filter((key) => !['sonobuoy-config', 'spec', 'podSpec', 'extra-volumes', 'config-map'].includes(key))).toEqual([]);
    const config = plugin['sonobuoy-config'];
    expect(
      Object.keys(config).filter(
        (key) => !['driver', 'plugin-name', 'result-format', 'result-files', 'skip-cleanup', 'description', 'source-url'].includes(key),
      ),
    ).toEqual([]);
    // shakedown writes sonobuoy_results.yaml itself (reports/sonobuoy.ts).
    expect(config).toMatchObject({ driver: 'Job', 'plugin-name': 'shakedown', 'result-format': 'manual', 'result-files': ['sonobuoy_results.yaml'] });
    expect(plugin.spec.name).toBe('plugin');
    // The memory a full run needs, as shakedown deploy gives its runner.
    expect(plugin.spec.resources?.limits?.memory).toBe(RUNNER_MEMORY_LIMIT);
    // The runner image the Containerfile builds (and npm run cluster:runner-image makes on the local cluster).
    expect(plugin.spec.image).toBe(`localhost/shakedown/runner:${VERSION}`);
    // Where sonobuoy mounts the results volume and tells the plugin (SONOBUOY_RESULTS_DIR).
    expect(plugin.spec.volumeMounts).toContainEqual({ mountPath: '/tmp/sonobuoy/results', name: 'results' });
  });

  it("runs shakedown as the container's own process, with time to clean up after SIGTERM", () => {
    // No shell in between: the image's entry point is shakedown, so SIGTERM reaches it.
    expect(plugin.spec.command).toBeUndefined();
    expect(plugin.spec.args).toEqual(['run', '--in-cluster']);
    expect(plugin.podSpec?.terminationGracePeriodSeconds).toBe(120);
  });
});

interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { steps: { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] }>;
}

describe('the GitHub Actions workflow', () => {
  const workflow = example<Workflow>('github-actions.yml');
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const run = steps.find((step) => step.run?.includes('shakedown.js run') === true)?.run ?? '';

  it('publishes the JUnit it writes as a check, in the java-junit format, whatever the verdict', () => {
    const junit = flag(run, 'junit');
    expect(junit).toBe('shakedown-junit.xml');
    const reporter = steps.find((step) => step.uses?.startsWith('dorny/test-reporter@') === true);
    expect(reporter?.with).toMatchObject({ path: junit, reporter: 'java-junit' });
    expect(reporter?.if).toMatch(/!cancelled\(\)|always\(\)/);
    // A check run needs that permission of the workflow's token.
    expect(workflow.permissions.checks).toBe('write');
  });

  it('keeps the HTML report as an artifact, whatever the verdict', () => {
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') === true);
    expect(String(upload?.with?.path).split('\n')).toContain(flag(run, 'html'));
    expect(upload?.if).toMatch(/!cancelled\(\)|always\(\)/);
    expect(run).toMatch(/--kubeconfig "\$RUNNER_TEMP\/kubeconfig"/);
  });
});

interface GitLabJob {
  script: string[];
  artifacts: { when: string; paths: string[]; reports: { junit: string } };
}

describe('the GitLab CI job', () => {
  const job = example<Record<string, GitLabJob>>('gitlab-ci.yml').shakedown as GitLabJob;
  const run = job.script.find((line) => line.includes('shakedown.js run')) ?? '';

  it('hands the JUnit to artifacts:reports:junit and keeps the HTML, also when a check failed', () => {
    expect(job.artifacts.reports.junit).toBe(flag(run, 'junit'));
    expect(job.artifacts.paths).toContain(flag(run, 'html'));
    expect(job.artifacts.when).toBe('always');
  });
});

describe('our JUnit, as CI systems read it', () => {
  it('testsuites > testsuite > testcase with name, classname and time; failure with a message; skipped', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sd-junit-')), 'junit.xml');
    const reporter = createJUnitReporter({ path });
    const results = [
      passed('services', 'named port'),
      failed('netpol', 'deny-all blocks other namespaces'),
      skipped('ingress', 'rewrite-target'),
      warned('certificates', 'expiry'),
    ];
    await reporter.onRunStart?.({ ...runInfo(), finishedAt: null });
    for (const result of results) await reporter.onCheckEnd?.(result);
    await reporter.onRunEnd?.(runInfo(), results, summarize(results));
    const root = parseXml(await readFile(path, 'utf8'));
    expect(root.name).toBe('testsuites');
    const cases = childrenNamed(root, 'testsuite').flatMap((suite) => {
      expect(suite.attributes.name).toBeTruthy();
      expect(Number(suite.attributes.tests)).toBe(childrenNamed(suite, 'testcase').length);
      return childrenNamed(suite, 'testcase');
    });
    expect(cases).toHaveLength(results.length);
    for (const testcase of cases) {
      expect(testcase.attributes.name).toBeTruthy();
      expect(testcase.attributes.classname).toBeTruthy();
      expect(Number.isFinite(Number(testcase.attributes.time))).toBe(true);
    }
    const failure = cases.flatMap((testcase) => childrenNamed(testcase, 'failure'));
    expect(failure).toHaveLength(1);
    expect(failure[0]?.attributes.message).toBeTruthy();
    expect(cases.flatMap((testcase) => childrenNamed(testcase, 'skipped'))).toHaveLength(1);
  });
});
