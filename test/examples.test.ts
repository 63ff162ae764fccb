// The files in examples/ that people copy into their own setup: the sonobuoy plugin against
// sonobuoy's documented plugin format (and its script run for real with a stand-in shakedown),
// the GitHub Actions workflow and the GitLab CI job against the formats those systems document
// for publishing JUnit, and our JUnit against what their JUnit readers take.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { summarize } from '../helpers/result.ts';
import { createJUnitReporter } from '../reports/junit.ts';
import { failed, passed, runInfo, skipped, warned } from '../reports/testing/fixtures.ts';
import { childrenNamed, parseXml } from '../reports/testing/xml.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const example = <T>(name: string): T => loadYaml<T>(readFileSync(join(ROOT, 'examples', name), 'utf8'));

// The value of a flag in a shakedown command line.
function flag(command: string, name: string): string | undefined {
  return new RegExp(`--${name} ("[^"]+"|\\S+)`).exec(command)?.[1]?.replace(/^"|"$/g, '');
}

interface Plugin {
  'sonobuoy-config': Record<string, unknown>;
  spec: { name: string; image: string; command: string[]; args: string[]; volumeMounts: { mountPath: string; name: string }[] };
}

describe('the sonobuoy plugin', () => {
  const plugin = example<Plugin>('sonobuoy-plugin.yaml');

  it("has sonobuoy's documented fields: a Job driver, a plugin name, the junit result format, a container spec", () => {
    // The plugin definition's fields (sonobuoy's plugin manifest: sonobuoy-config, spec, podSpec,
    // extra-volumes, config-map), and sonobuoy-config's own.
    expect(Object.keys(plugin).filter((key) => !['sonobuoy-config', 'spec', 'podSpec', 'extra-volumes', 'config-map'].includes(key))).toEqual([]);
    const config = plugin['sonobuoy-config'];
    expect(Object.keys(config).filter((key) => !['driver', 'plugin-name', 'result-format', 'result-files', 'skip-cleanup', 'description', 'source-url'].includes(key))).toEqual([]);
    expect(config).toMatchObject({ driver: 'Job', 'plugin-name': 'shakedown', 'result-format': 'junit' });
    expect(plugin.spec.name).toBe('plugin');
    expect(plugin.spec.image).toBe(`registry.example/shakedown/runner:${VERSION}`);
    // Where sonobuoy mounts the results volume and tells the plugin (SONOBUOY_RESULTS_DIR).
    expect(plugin.spec.volumeMounts).toContainEqual({ mountPath: '/tmp/sonobuoy/results', name: 'results' });
  });

  it('runs shakedown in the cluster, packs the three reports and names the archive in the done file, also when a check failed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-sonobuoy-'));
    const results = join(dir, 'results');
    const bin = join(dir, 'bin');
    mkdirSync(results);
    mkdirSync(bin);
    // A stand-in shakedown: records its arguments, writes the report files it is asked for, and
    // exits 1 as a run with a failed check does.
    writeFileSync(
      join(bin, 'shakedown'),
      [
        '#!/bin/sh',
        `printf '%s\\n' "$@" > ${JSON.stringify(join(dir, 'args'))}`,
        'while [ $# -gt 0 ]; do case "$1" in --junit|--json|--html) echo "report $1" > "$2"; shift;; esac; shift; done',
        'exit 1',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'shakedown'), 0o755);
    expect(plugin.spec.command).toEqual(['/bin/sh', '-c']);
    const output = execFileSync('/bin/sh', ['-c', plugin.spec.args[0] ?? ''], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, SONOBUOY_RESULTS_DIR: results }, encoding: 'utf8' });
    expect(output).toContain('shakedown exited with 1');
    expect(readFileSync(join(dir, 'args'), 'utf8').split('\n').slice(0, 3)).toEqual(['run', '--in-cluster', '--junit']);
    const done = readFileSync(join(results, 'done'), 'utf8').trim();
    expect(done).toBe(join(results, 'shakedown-results.tar.gz'));
    expect(execFileSync('tar', ['-tzf', done], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['shakedown-junit.xml', 'shakedown.html', 'shakedown.json']);
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
    const results = [passed('services', 'named port'), failed('netpol', 'deny-all blocks other namespaces'), skipped('ingress', 'rewrite-target'), warned('certificates', 'expiry')];
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
