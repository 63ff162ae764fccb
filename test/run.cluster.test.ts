// `shakedown run` against the real local cluster (.cluster/kubeconfig), in a child process: the
// services suite passes with valid reports, an interrupted run cleans up, exec transport works.
// After each run, no namespace of it may remain.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openKubeSession } from '../helpers/kube/session.ts';
import { EXPIRES_AT_ANNOTATION, ownedSelector, runNamespace } from '../helpers/run/labels.ts';
import { createRunNamespace } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { validate } from '../reports/testing/json-schema.ts';
import { childrenNamed, parseXml } from '../reports/testing/xml.ts';
import { KUBECONFIG, ROOT, shakedown } from './cli-child.ts';

const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'reports', 'schema', 'report-v2.schema.json'), 'utf8'));

async function withSession<T>(use: (session: Awaited<ReturnType<typeof openKubeSession>>) => Promise<T>): Promise<T> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

async function phaseOf(name: string): Promise<string> {
  return withSession(async (session) => {
    try {
      const ns = await session.clients.core.readNamespace({ name });
      return ns.metadata?.deletionTimestamp === undefined ? 'Active' : 'Terminating';
    } catch {
      return 'gone';
    }
  });
}

async function namespacesOfRun(runId: string): Promise<string[]> {
  return withSession(async (session) => {
    const list = await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) });
    return list.items.map((ns) => `${ns.metadata?.name} (${ns.status?.phase})`);
  });
}

function runIdOf(output: string): string {
  const id = /shakedown run (sd-\d{8}-[0-9a-f]{6})/.exec(output)?.[1];
  if (id === undefined) throw new Error(`no run id in the output:\n${output}`);
  return id;
}

describe('shakedown run on the local cluster', () => {
  it('passes the services suite, writes valid JUnit and JSON, and leaves nothing behind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-run-'));
    const started = performance.now();
    const ran = await shakedown([
      'run',
      '--kubeconfig',
      KUBECONFIG,
      '--suite',
      'services',
      '--junit',
      join(out, 'junit.xml'),
      '--json',
      join(out, 'report.json'),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(validate(SCHEMA, report)).toEqual([]);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);

    const junit = parseXml(readFileSync(join(out, 'junit.xml'), 'utf8'));
    expect(junit.name).toBe('testsuites');
    const suites = childrenNamed(junit, 'testsuite');
    expect(suites.map((s) => s.attributes.name)).toEqual(['setup', 'services']);
    const cases = suites.flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases.length).toBe(report.results.length);
    expect(Number(junit.attributes.tests)).toBe(cases.length);
    for (const result of report.results) if (result.status === 'skip') expect(result.skipReason).not.toBe('');

    const failures = report.results
      .filter((r: { status: string }) => r.status === 'fail')
      .map((r: { check: string; message: string }) => `${r.check}: ${r.message}`);
    expect(failures).toEqual([]);
    expect(junit.attributes.failures).toBe('0');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
    console.log(`services run: ${seconds.toFixed(1)} s, ${report.summary.passed} passed, ${report.summary.skipped} skipped`);
  });

  it('cleans up and writes a partial report when interrupted with SIGINT', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-run-'));
    let sent = false;
    // Interrupt once the fleet is up and the suites have started.
    const interrupt = (output: string, child: ChildProcess): void => {
      if (!sent && output.includes('probe fleet ready')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    };
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'services', '--verbose', '--json', join(out, 'report.json')], {
      onOutput: interrupt,
    });
    expect(sent).toBe(true);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('SIGINT: stopping the run and cleaning up');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(validate(SCHEMA, report)).toEqual([]);
    expect(report.complete).toBe(false);
    expect(report.errors.map((e: { code: string }) => e.code)).toEqual(['SD_INTERRUPTED']);
    expect(await namespacesOfRun(runIdOf(ran.stdout))).toEqual([]);
  });

  it('reaches the agents by exec when told to, and says the pod proxy was not tried', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-run-'));
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'smoke', '--transport', 'exec', '--json', join(out, 'report.json')]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.results.filter((r: { status: string }) => r.status === 'fail')).toEqual([]);
    expect(ran.code).toBe(0);
    expect(report.results.find((r: { suite: string; check: string }) => r.suite === 'setup' && r.check.startsWith('API server reaches'))).toMatchObject({
      status: 'skip',
      skipReason: 'the transport is set to exec (--transport exec)',
    });
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });

  it('first removes expired namespaces of earlier runs, and never one without our label', async () => {
    const old = newRunId(new Date('2020-01-01T00:00:00Z'));
    const foreign = `${newRunId()}-foreign`;
    await withSession(async (session) => {
      // As a crashed run of shakedown left it: created under shakedown's field manager.
      await createRunNamespace(
        session.clients,
        runNamespace({ name: old, runId: old, expiresAt: new Date(Date.now() - 60_000), purpose: 'expired leftover (test)' }),
        undefined,
      );
      await session.clients.core.createNamespace({ body: { metadata: { name: foreign, annotations: { [EXPIRES_AT_ANNOTATION]: '2020-01-01T00:00:00Z' } } } });
    });
    try {
      const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'smoke']);
      expect(ran.code).toBe(0);
      expect(['gone', 'Terminating']).toContain(await phaseOf(old));
      expect(await phaseOf(foreign)).toBe('Active');
    } finally {
      await withSession(async (session) => {
        await session.clients.core.deleteNamespace({ name: foreign }).catch(() => undefined);
        await session.clients.core.deleteNamespace({ name: old }).catch(() => undefined);
      });
    }
  });
});
