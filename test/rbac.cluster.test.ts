// `shakedown run --suite services` as a least-privileged ServiceAccount, on the real local cluster:
// bound to exactly the rules derived from the services manifest (and the engine's own needs for a
// 'fleet' suite), the run passes; with one of those permissions taken away, it exits 2 before
// creating anything, naming that permission and the suite that needs it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterRoleRules, type PolicyRule } from '../helpers/kube/permissions.ts';
import { shakedown, type Ran } from './cli-child.ts';
import { PROBE_IMAGE, loadSuite, serviceAccountRunner, type ServiceAccountRunner } from './service-account-kit.ts';

let runner: ServiceAccountRunner;
let rules: PolicyRule[];
let servicesChecks: string[];

function shown(ran: Ran): string {
  return `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;
}

describe('shakedown run as a ServiceAccount with exactly the derived permissions', () => {
  beforeAll(async () => {
    const services = await loadSuite('services');
    rules = clusterRoleRules([services.manifest], 'auto');
    servicesChecks = services.manifest.checks.map((c) => c.title);
    runner = await serviceAccountRunner('rbac', rules);
  });

  afterAll(async () => {
    await runner?.dispose();
  });

  it('passes with exactly those permissions', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'sd-rbac-')), 'report.json');
    const ran = await shakedown(['run', '--suite', 'services', '--kubeconfig', runner.kubeconfig, '--probe-image', PROBE_IMAGE, '--json', report]);
    expect(ran.code, shown(ran)).toBe(0);
    // Every declared check ran and passed: none skipped or degraded for want of a permission.
    const results = (JSON.parse(readFileSync(report, 'utf8')) as { results: { suite: string; check: string; status: string }[] }).results.filter(
      (r) => r.suite === 'services',
    );
    expect(results.map((r) => `${r.check}: ${r.status}`).sort()).toEqual(servicesChecks.map((title) => `${title}: pass`).sort());
    expect(readFileSync(report, 'utf8')).not.toMatch(/forbidden/i);
  });

  it('exits 2 before creating anything when one is missing, naming it and the suite', async () => {
    const withoutCreate = rules.map((rule) =>
      rule.resources?.[0] === 'services' && rule.apiGroups?.[0] === '' ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'create') } : rule,
    );
    expect(withoutCreate).not.toEqual(rules);
    await runner.setRules(withoutCreate);
    // The authorizer sees the change within moments; wait until it does.
    const canCreate = async () =>
      (
        await runner.session.clients.authz.createSubjectAccessReview({
          body: { spec: { user: runner.user, resourceAttributes: { verb: 'create', resource: 'services', namespace: 'x' } } },
        })
      ).status?.allowed === true;
    for (let i = 0; i < 50 && (await canCreate()); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    const ran = await shakedown(['run', '--suite', 'services', '--kubeconfig', runner.kubeconfig, '--probe-image', PROBE_IMAGE]);
    expect(ran.code, shown(ran)).toBe(2);
    const named = /^error SD_FORBIDDEN: context "runner" may not create services in namespace (sd-\d{8}-[0-9a-f]{6}) \(services: /m.exec(ran.stdout);
    expect(named, shown(ran)).not.toBeNull();
    // Nothing was created: the run namespace it would have used does not exist.
    const made = await runner.session.clients.core.readNamespace({ name: named?.[1] ?? '' }).then(
      () => true,
      () => false,
    );
    expect(made).toBe(false);
  });
});
