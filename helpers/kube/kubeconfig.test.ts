import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKubeconfig, loadKube } from './kubeconfig.ts';
import { thrown } from '../testing/shakedown-error.ts';

function config(opts: { clusters: [string, string][]; contexts: [string, string, string][]; users: string[]; current?: string }): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...opts.clusters.flatMap(([name, server]) => [`- name: ${name}`, '  cluster:', `    server: ${server}`]),
    'users:',
    ...opts.users.flatMap((name) => [`- name: ${name}`, '  user: {token: t}']),
    'contexts:',
    ...opts.contexts.flatMap(([name, cluster, user]) => [`- name: ${name}`, `  context: {cluster: ${cluster}, user: ${user}}`]),
    ...(opts.current === undefined ? [] : [`current-context: ${opts.current}`]),
    '',
  ].join('\n');
}

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'sd-kubeconfig-'));
}

const one = config({ clusters: [['c1', 'https://10.0.0.1:6443']], users: ['u1'], contexts: [['ctx1', 'c1', 'u1']], current: 'ctx1' });

describe('findKubeconfig', () => {
  it('prefers the explicit file, then KUBECONFIG, then ~/.kube/config, and reports none when none exists', () => {
    const home = dir();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), one);
    expect(findKubeconfig({ explicit: '/x/k', env: { KUBECONFIG: '/y/k' }, home })).toEqual({ paths: ['/x/k'], origin: 'flag' });
    expect(findKubeconfig({ explicit: undefined, env: { KUBECONFIG: '/y/k' }, home })).toEqual({ paths: ['/y/k'], origin: 'KUBECONFIG' });
    expect(findKubeconfig({ explicit: undefined, env: {}, home })).toEqual({ paths: [join(home, '.kube', 'config')], origin: 'home' });
    expect(findKubeconfig({ explicit: undefined, env: {}, home: dir() })).toBeUndefined();
    expect(findKubeconfig({ explicit: undefined, env: { KUBECONFIG: '' }, home: undefined })).toBeUndefined();
  });

  it('drops listed KUBECONFIG files that do not exist, as kubectl does', () => {
    const d = dir();
    writeFileSync(join(d, 'a'), one);
    expect(findKubeconfig({ explicit: undefined, env: { KUBECONFIG: [join(d, 'missing'), join(d, 'a')].join(delimiter) }, home: undefined })?.paths).toEqual([join(d, 'a')]);
  });
});

describe('loadKube', () => {
  it('loads the current context and its server', () => {
    const d = dir();
    writeFileSync(join(d, 'k'), one);
    const loaded = loadKube({ paths: [join(d, 'k')], origin: 'flag' });
    expect(loaded.target).toEqual({ paths: [join(d, 'k')], context: 'ctx1' });
    expect(loaded.server).toBe('https://10.0.0.1:6443');
    expect(loaded.kc.getCurrentContext()).toBe('ctx1');
  });

  it('merges several files with the first definition of a name winning', () => {
    const d = dir();
    writeFileSync(join(d, 'a'), config({ clusters: [['c1', 'https://a:6443']], users: ['u1'], contexts: [['ctx1', 'c1', 'u1']], current: 'ctx1' }));
    writeFileSync(join(d, 'b'), config({ clusters: [['c1', 'https://b:6443'], ['c2', 'https://c2:6443']], users: ['u1'], contexts: [['ctx2', 'c2', 'u1']], current: 'ctx2' }));
    const paths = [join(d, 'a'), join(d, 'b')];
    expect(loadKube({ paths, origin: 'KUBECONFIG' }).server).toBe('https://a:6443');
    expect(loadKube({ paths, origin: 'KUBECONFIG' }, 'ctx2').server).toBe('https://c2:6443');
  });

  it('names the file when it is missing or not a kubeconfig', () => {
    const d = dir();
    const missing = thrown(() => loadKube({ paths: [join(d, 'nope')], origin: 'flag' }));
    expect(missing.code).toBe('SD_KUBECONFIG_INVALID');
    expect(missing.message).toBe(`kubeconfig ${join(d, 'nope')} does not exist`);
    writeFileSync(join(d, 'garbage'), 'this: [is not: a kubeconfig');
    expect(thrown(() => loadKube({ paths: [join(d, 'garbage')], origin: 'flag' })).message).toMatch(/^kubeconfig .*garbage cannot be parsed: /);
    writeFileSync(join(d, 'empty'), 'hello: world\n');
    expect(thrown(() => loadKube({ paths: [join(d, 'empty')], origin: 'flag' })).message).toBe(`kubeconfig ${join(d, 'empty')} holds no clusters, users or contexts`);
  });

  it('names the unknown context and lists the known ones', () => {
    const d = dir();
    writeFileSync(join(d, 'k'), one);
    const error = thrown(() => loadKube({ paths: [join(d, 'k')], origin: 'flag' }, 'prod'));
    expect(error.code).toBe('SD_KUBECONFIG_INVALID');
    expect(error.message).toBe(`context "prod" is not in ${join(d, 'k')}; it has: ctx1`);
  });

  it('refuses a context without a current context, and one whose cluster or user is missing', () => {
    const d = dir();
    writeFileSync(join(d, 'nocurrent'), config({ clusters: [['c1', 'https://a']], users: ['u1'], contexts: [['ctx1', 'c1', 'u1']] }));
    expect(thrown(() => loadKube({ paths: [join(d, 'nocurrent')], origin: 'flag' })).message).toMatch(/has no current context; choose one of: ctx1$/);
    writeFileSync(join(d, 'nocluster'), config({ clusters: [['c1', 'https://a']], users: ['u1'], contexts: [['ctx1', 'c9', 'u1']], current: 'ctx1' }));
    expect(thrown(() => loadKube({ paths: [join(d, 'nocluster')], origin: 'flag' })).message).toMatch(/names cluster "c9", which .* does not define$/);
    writeFileSync(join(d, 'nouser'), config({ clusters: [['c1', 'https://a']], users: ['u1'], contexts: [['ctx1', 'c1', 'u9']], current: 'ctx1' }));
    expect(thrown(() => loadKube({ paths: [join(d, 'nouser')], origin: 'flag' })).message).toMatch(/names user "u9", which .* does not define$/);
  });

  it('refuses a client certificate file that does not exist, relative paths being relative to the kubeconfig', () => {
    const d = dir();
    writeFileSync(
      join(d, 'k'),
      one.replace('  user: {token: t}', '  user: {client-certificate: certs/me.crt, client-key: certs/me.key}'),
    );
    expect(thrown(() => loadKube({ paths: [join(d, 'k')], origin: 'flag' })).message).toBe(
      `client-certificate ${join(d, 'certs', 'me.crt')} named by ${join(d, 'k')} (context "ctx1") does not exist`,
    );
  });
});
