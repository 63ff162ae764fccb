import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planStart } from './start.ts';

const emptyHome = () => mkdtempSync(join(tmpdir(), 'sd-home-'));

describe('planStart', () => {
  it('runs against the current kubeconfig when there is one', () => {
    const home = emptyHome();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
    expect(planStart({ argv: ['--suite', 'smoke'], env: {}, home }, '/repo')).toEqual({ argv: ['run', '--suite', 'smoke'] });
    expect(planStart({ argv: [], env: { KUBECONFIG: join(home, '.kube', 'config') }, home: emptyHome() }, '/repo')).toEqual({ argv: ['run'] });
  });

  it('leaves an explicit kubeconfig alone, even one that does not exist', () => {
    expect(planStart({ argv: ['--kubeconfig', '/nope'], env: {}, home: emptyHome() }, '/repo')).toEqual({ argv: ['run', '--kubeconfig', '/nope'] });
    expect(planStart({ argv: [], env: { SHAKEDOWN_KUBECONFIG: '/nope' }, home: emptyHome() }, '/repo')).toEqual({ argv: ['run'] });
  });

  it('brings up the local cluster and points the run at it when there is no kubeconfig at all', () => {
    expect(planStart({ argv: ['--junit', 'j.xml'], env: {}, home: emptyHome() }, '/repo')).toEqual({
      argv: ['run', '--kubeconfig', '/repo/.cluster/kubeconfig', '--junit', 'j.xml'],
      localKubeconfig: '/repo/.cluster/kubeconfig',
    });
  });
});
