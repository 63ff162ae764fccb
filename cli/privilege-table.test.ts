import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSuites, loadSuites, PACKAGE_ROOT } from '../helpers/engine/suites.ts';
import { BEGIN, END, privilegeTable, withPrivilegeTable } from './privilege-table.ts';

const manifests = (await loadSuites(discoverSuites())).map((suite) => suite.manifest);
const table = privilegeTable(manifests);
const row = (permission: string) => table.split('\n').find((line) => line.startsWith(`| ${permission} |`));

describe('the privilege table', () => {
  it('README.md holds exactly the table the manifests give (npm run docs:privileges writes it)', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length)).toBe(`${BEGIN}\n${table}\n${END}`);
  });

  it('says where each permission is held, locally and for the deploy runner', () => {
    expect(row('create pods')).toMatch(/^\| create pods \| the run's namespaces \| the run's namespaces \(bound there by the runner\) \|/);
    expect(row('create namespaces')).toMatch(/\| cluster \| cluster, confined by admission to the run \|/);
    expect(row('list nodes')).toMatch(/\| cluster \| cluster \(read\) \|/);
    expect(row('bind clusterroles shakedown-NAMESPACE-run (rbac.authorization.k8s.io)')).toMatch(/\| - \| cluster, confined by admission to the run \|/);
    expect(row('create pods/exec')).toMatch(/\| the run's namespaces( \(fallback\))? \| the run's namespaces \(bound there by the runner\) \|/);
    // Nothing that reads Secrets is held cluster-wide by the runner.
    expect(table.split('\n').filter((line) => line.includes(' secrets') && line.includes('cluster'))).toEqual([]);
  });

  it('replaces only what lies between the markers', () => {
    expect(withPrivilegeTable(`a\n${BEGIN}\nold\n${END}\nb`, 'new')).toBe(`a\n${BEGIN}\nnew\n${END}\nb`);
    expect(() => withPrivilegeTable('no markers', 'x')).toThrow(/no <!-- privileges/);
  });
});
