// sonobuoy, tried for real on the local cluster: shakedown as a sonobuoy plugin, twice.
//   1. examples/sonobuoy-plugin.yaml as a user runs it (sonobuoy's own ServiceAccount), the plugin
//      image set with sonobuoy's own flag to the local runner image;
//   2. the least-privilege plugin `shakedown deploy --sonobuoy-plugin` writes, with the namespace,
//      ServiceAccount, RBAC and admission policy it prints, and sonobuoy's aggregator itself held to
//      its namespace (--aggregator-permissions namespaceAdmin).
// Each: sonobuoy run --wait, sonobuoy retrieve, sonobuoy results (printed as sonobuoy prints it)
// held against shakedown's own JSON report from the same tarball (counts, every check's status, each
// warning, skip reason and failure word for word; the JUnit's counts too; the done file written by
// shakedown), then sonobuoy delete --wait and proof that nothing of shakedown's from that run is
// left. Exit 1 on any mismatch or leftover. The suites are a quick set; certificates with
// --cert-warn-days 3650 makes every certificate a warning, so warnings are there to be kept.
//
//   npm run sonobuoy:e2e      (the local cluster must be up: npm run cluster:up)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonReport } from '../../reports/json.ts';
import { SONOBUOY_FILES } from '../../reports/sonobuoy.ts';
import { imageRef } from '../cluster/images.ts';
import { kubectl, tryKubectl } from '../cluster/kube.ts';
import { kubeconfigPath, repoRoot, runningNodes } from '../cluster/layout.ts';
import { importImage } from '../cluster/node.ts';
import { buildRunnerImage } from '../cluster/runner-image.ts';
import { run } from '../cluster/sh.ts';
import { sonobuoyImage } from './build.ts';
import { compare, junitCounts, parseDetailed, parseSummary } from './compare.ts';

const SUITES = ['smoke', 'services', 'dns', 'certificates'];
// Inside the cluster the runner cannot tell it is on the local cluster (it knows no kubeconfig
// context), so what it would choose for it there is said: the upstream name the stub DNS serves.
const EXTERNAL_NAME = 'external.shakedown.test';
const SUITE_FLAGS = [...SUITES.flatMap((suite) => ['--suite', suite]), '--cert-warn-days', '3650', '--dns-external-name', EXTERNAL_NAME];
const NAMESPACE = 'sonobuoy';
const MANAGED = 'app.kubernetes.io/managed-by=shakedown';
const RUN_ID = 'shakedown.dev/run-id';
const CLUSTER_KINDS = 'clusterroles,clusterrolebindings,validatingadmissionpolicies,validatingadmissionpolicybindings,persistentvolumes,storageclasses';

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const times: [string, number][] = [];
async function timed<T>(label: string, work: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    times.push([label, Date.now() - started]);
  }
}

// A command whose output is shown as it comes (sonobuoy's progress); its exit code is returned.
function shown(cmd: string, args: string[]): number {
  say(`$ ${[cmd.endsWith('/sonobuoy') ? 'sonobuoy' : cmd, ...args].join(' ')}`);
  const ran = spawnSync(cmd, args, { stdio: 'inherit', cwd: repoRoot });
  return ran.status ?? 1;
}

interface Trial {
  name: string;
  // The plugin file and the flags of sonobuoy run beyond --plugin.
  plugin: string;
  runFlags: string[];
  // Run ids of shakedown's objects in this trial (the deploy's, known before; the runner's, from its report).
  runIds: Set<string>;
}

async function trial(sonobuoy: string, t: Trial, failures: string[]): Promise<void> {
  const fail = (why: string) => failures.push(`${t.name}: ${why}`);
  const work = mkdtempSync(join(tmpdir(), 'sd-sonobuoy-'));
  const kube = ['--kubeconfig', kubeconfigPath];
  try {
    say(`\n=== sonobuoy: ${t.name}`);
    const ran = await timed(`${t.name}: sonobuoy run --wait`, () =>
      shown(sonobuoy, ['run', ...kube, '--plugin', t.plugin, ...t.runFlags, '--wait', '--wait-output', 'progress']),
    );
    if (ran !== 0) fail(`sonobuoy run exited with ${ran}`);
    const tarball = await timed(
      `${t.name}: sonobuoy retrieve`,
      () =>
        run(sonobuoy, ['retrieve', work, ...kube, '--namespace', NAMESPACE])
          .trim()
          .split('\n')
          .at(-1) ?? '',
    );
    const summaryText = run(sonobuoy, ['results', tarball]);
    say(`$ sonobuoy results ${tarball}\n${summaryText.trimEnd()}`);
    const items = parseDetailed(run(sonobuoy, ['results', tarball, '--plugin', 'shakedown', '--mode', 'detailed']));
    const extracted = join(work, 'extracted');
    run('mkdir', ['-p', extracted]);
    run('tar', ['-xzf', tarball, '-C', extracted]);
    const results = join(extracted, 'plugins', 'shakedown', 'results', 'global');
    if (!existsSync(join(results, SONOBUOY_FILES.json))) {
      fail(
        `no ${SONOBUOY_FILES.json} in the results tarball (plugins/shakedown/results/global: ${existsSync(results) ? readdirSync(results).join(', ') : 'missing'})`,
      );
      return;
    }
    const report = JSON.parse(readFileSync(join(results, SONOBUOY_FILES.json), 'utf8')) as JsonReport;
    t.runIds.add(report.run.runId);
    const summary = parseSummary(summaryText);
    const compared = compare(summary, items, report);
    const s = report.summary;
    const junit = junitCounts(readFileSync(join(results, SONOBUOY_FILES.junit), 'utf8'));
    say(`sonobuoy results vs shakedown's JSON report (run ${report.run.runId}, complete: ${report.complete}):`);
    say(`  Status:  ${summary.status.padEnd(8)} shakedown exit verdict: ${s.failed + report.errors.length > 0 ? 'failed' : 'passed'}`);
    say(
      `  Total:   ${String(summary.total).padEnd(8)} ${s.passed + s.warned + s.failed + s.skipped + (s.waived ?? 0)} checks, ${report.errors.length} setup errors   (JUnit tests ${junit.tests})`,
    );
    say(`  Passed:  ${String(summary.passed).padEnd(8)} ${s.passed} passed + ${s.warned} warned (a warning passes, as in the JUnit)`);
    say(`  Failed:  ${String(summary.failed).padEnd(8)} ${s.failed} failed + ${report.errors.length} setup errors   (JUnit failures ${junit.failures})`);
    say(`  Skipped: ${String(summary.skipped).padEnd(8)} ${s.skipped} skipped   (JUnit skipped ${junit.skipped})`);
    say(
      `  warnings kept in sonobuoy's details: ${compared.warnings.kept}/${compared.warnings.of}; skip reasons: ${compared.skipReasons.kept}/${compared.skipReasons.of}; failure messages: ${compared.failures.kept}/${compared.failures.of}`,
    );
    // As sonobuoy keeps them (it prints details with their keys sorted, so the note is picked out here).
    const note = (key: string) => {
      const item = items.find((candidate) => typeof candidate.details?.[key] === 'string');
      if (item !== undefined)
        say(`    ${item.meta?.path ?? ''} › ${item.name}: ${item.status}, details.${key}: ${JSON.stringify(item.details?.[key]).slice(0, 300)}`);
    };
    say('  e.g. in sonobuoy results --plugin shakedown --mode detailed:');
    note('warning');
    note('skip-reason');
    note('failure');
    for (const mismatch of compared.mismatches) fail(mismatch);
    if (junit.tests !== summary.total || junit.failures !== summary.failed || junit.skipped !== summary.skipped)
      fail(`the JUnit report counts ${JSON.stringify(junit)}, sonobuoy ${JSON.stringify(summary)}`);
    if (s.warned === 0) fail('no warned check: the run was meant to have some (--cert-warn-days 3650)');
    if (s.passed === 0) fail('no passed check');
    for (const check of report.results.filter((c) => c.status === 'fail')) say(`  FAIL ${check.suite} › ${check.check}: ${check.message.slice(0, 300)}`);
    for (const error of report.errors) say(`  ERROR ${error.code}: ${error.message}`);
    // shakedown wrote the done file, naming its results directory (sonobuoy's fallback would name out.tar.gz).
    const done = existsSync(join(results, SONOBUOY_FILES.done)) ? readFileSync(join(results, SONOBUOY_FILES.done), 'utf8').trim() : '(none)';
    if (done !== '/tmp/sonobuoy/results') fail(`the done file says ${done}, not the results directory shakedown writes`);
    else say(`  done file (written by shakedown): ${done}`);
  } catch (error) {
    fail(`${(error as Error).message}${(error as { logTail?: string }).logTail === undefined ? '' : `\n${(error as { logTail?: string }).logTail}`}`);
  } finally {
    const deleted = await timed(`${t.name}: sonobuoy delete --wait`, () => shown(sonobuoy, ['delete', ...kube, '--namespace', NAMESPACE, '--wait']));
    if (deleted !== 0) fail(`sonobuoy delete exited with ${deleted}`);
    rmSync(work, { recursive: true, force: true });
  }
}

// shakedown's namespaces and cluster-scoped objects of these runs that are still there. A namespace
// whose deletion was asked for is given a minute to go (its pods' grace periods).
async function leftovers(runIds: ReadonlySet<string>): Promise<string[]> {
  if (runIds.size === 0) return ['(no run id was learned, so nothing could be looked for)'];
  const selector = `${MANAGED},${RUN_ID} in (${[...runIds].join(',')})`;
  const names = (kinds: string) => (tryKubectl(['get', kinds, '-l', selector, '-o', 'name']) ?? `(could not list ${kinds})`).split('\n').filter(Boolean);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = [...names('namespaces'), ...names(CLUSTER_KINDS)];
    if (left.length === 0 || Date.now() > deadline || left.some((name) => !name.startsWith('namespace/'))) return left;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  if (!existsSync(kubeconfigPath) || runningNodes().length === 0) {
    process.stderr.write('no local cluster is running (npm run cluster:up)\n');
    return 1;
  }
  if (tryKubectl(['get', 'namespace', NAMESPACE, '-o', 'name']) !== null) {
    process.stderr.write(
      `namespace ${NAMESPACE} exists: a sonobuoy run is under way or was left behind (sonobuoy delete --kubeconfig ${kubeconfigPath} --wait)\n`,
    );
    return 1;
  }
  const failures: string[] = [];
  const image = await timed('sonobuoy: build (cached) and image import', () => sonobuoyImage(say));
  const sonobuoy = image.binary;
  say(
    `sonobuoy ${image.built.built ? `built in ${seconds(image.built.ms)}` : 'from the cache'}: ${run(sonobuoy, ['version', '--short']).trim()}; image ${image.ref} in ${image.imported.join(', ')}`,
  );
  const runner = await timed('runner image: build (cached) and import', () => {
    const built = buildRunnerImage();
    for (const node of runningNodes()) importImage(node, built.archive);
    return built.ref;
  });
  const probeImage = imageRef('node');
  const images = ['--sonobuoy-image', image.ref];

  // 1. The documented example, as it is.
  const example: Trial = {
    name: 'examples/sonobuoy-plugin.yaml',
    plugin: join(repoRoot, 'examples', 'sonobuoy-plugin.yaml'),
    runFlags: [
      ...images,
      '--plugin-image',
      `shakedown:${runner}`,
      '--plugin-env',
      `shakedown.SHAKEDOWN_SUITES=${SUITES.join(',')}`,
      '--plugin-env',
      'shakedown.SHAKEDOWN_CERT_WARN_DAYS=3650',
      '--plugin-env',
      `shakedown.SHAKEDOWN_PROBE_IMAGE=${probeImage}`,
      '--plugin-env',
      `shakedown.SHAKEDOWN_DNS_EXTERNAL_NAME=${EXTERNAL_NAME}`,
    ],
    runIds: new Set(),
  };
  // 2. The least-privilege plugin and what it runs as, from shakedown deploy --sonobuoy-plugin.
  const work = mkdtempSync(join(tmpdir(), 'sd-sonobuoy-plugin-'));
  const pluginFile = join(work, 'shakedown-plugin.yaml');
  const confined: Trial = {
    name: 'shakedown deploy --sonobuoy-plugin (least privilege)',
    plugin: pluginFile,
    runFlags: [...images, '--namespace', NAMESPACE, '--aggregator-permissions', 'namespaceAdmin', '--skip-preflight=existingnamespace'],
    runIds: new Set(),
  };
  try {
    await trial(sonobuoy, example, failures);
    const left = await leftovers(example.runIds);
    if (left.length > 0) failures.push(`${example.name}: left behind: ${left.join(', ')}`);
    else say(`nothing of shakedown's left from run ${[...example.runIds].join(', ')} (no namespace, no cluster-scoped object labelled ${MANAGED})`);

    const rbac = run(process.execPath, [
      join(repoRoot, 'cli', 'shakedown.js'),
      'deploy',
      '--kubeconfig',
      kubeconfigPath,
      '--sonobuoy-plugin',
      pluginFile,
      ...SUITE_FLAGS,
    ]);
    const deployRun = /^# shakedown deploy --sonobuoy-plugin \(run (sd-[a-z0-9-]+)\)/.exec(rbac)?.[1];
    if (deployRun !== undefined) confined.runIds.add(deployRun);
    say(
      `\nshakedown deploy --sonobuoy-plugin: ${rbac.split('\n').filter((line) => line.startsWith('kind:')).length} objects for run ${deployRun}; the plugin:\n${readFileSync(pluginFile, 'utf8').trimEnd()}`,
    );
    kubectl(['create', '-f', '-'], rbac);
    await trial(sonobuoy, confined, failures);
    if (deployRun !== undefined) run(process.execPath, [join(repoRoot, 'cli', 'shakedown.js'), 'cleanup', '--kubeconfig', kubeconfigPath, '--run', deployRun]);
    const leftConfined = await leftovers(confined.runIds);
    if (leftConfined.length > 0) failures.push(`${confined.name}: left behind: ${leftConfined.join(', ')}`);
    else say(`nothing of shakedown's left from runs ${[...confined.runIds].join(', ')} (no namespace, no cluster-scoped object labelled ${MANAGED})`);
  } finally {
    // Whatever failed above: nothing of ours stays on a cluster others test on.
    if (tryKubectl(['get', 'namespace', NAMESPACE, '-o', 'name']) !== null)
      spawnSync(sonobuoy, ['delete', '--kubeconfig', kubeconfigPath, '--namespace', NAMESPACE, '--wait'], { stdio: 'ignore' });
    for (const id of [...example.runIds, ...confined.runIds]) {
      spawnSync(process.execPath, [join(repoRoot, 'cli', 'shakedown.js'), 'cleanup', '--kubeconfig', kubeconfigPath, '--run', id], { stdio: 'ignore' });
    }
    rmSync(work, { recursive: true, force: true });
  }

  say('\n=== sonobuoy e2e: times');
  for (const [label, ms] of times) say(`  ${label.padEnd(70)} ${seconds(ms)}`);
  say(`  ${'in all'.padEnd(70)} ${seconds(Date.now() - started)}`);
  if (failures.length > 0) {
    say('\n=== sonobuoy e2e: FAILED');
    for (const failure of failures) say(`  ${failure}`);
    return 1;
  }
  say('\nsonobuoy e2e: sonobuoy and shakedown agree, and nothing is left behind');
  return 0;
}

process.exitCode = await main();
