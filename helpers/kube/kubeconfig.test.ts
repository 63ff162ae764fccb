import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../../agent/testing/tls.ts';
import { findKubeconfig, loadKube, readKube } from './kubeconfig.ts';
import { rejection, thrown } from '../testing/shakedown-error.ts';

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
    expect(findKubeconfig({ explicit: undefined, env: { KUBECONFIG: [join(d, 'missing'), join(d, 'a')].join(delimiter) }, home: undefined })?.paths).toEqual([
      join(d, 'a'),
    ]);
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
    writeFileSync(
      join(d, 'b'),
      config({
        clusters: [
          ['c1', 'https://b:6443'],
          ['c2', 'https://c2:6443'],
        ],
        users: ['u1'],
        contexts: [['ctx2', 'c2', 'u1']],
        current: 'ctx2',
      }),
    );
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
    expect(thrown(() => loadKube({ paths: [join(d, 'empty')], origin: 'flag' })).message).toBe(
      `kubeconfig ${join(d, 'empty')} holds no clusters, users or contexts`,
    );
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
    writeFileSync(join(d, 'k'), one.replace('  user: {token: t}', '  user: {client-certificate: certs/me.crt, client-key: certs/me.key}'));
    expect(thrown(() => loadKube({ paths: [join(d, 'k')], origin: 'flag' })).message).toBe(
      `kubeconfig ${join(d, 'k')}, user "u1" of context "ctx1": client-certificate ${join(d, 'certs', 'me.crt')} does not exist; it must name a readable PEM file (or use client-certificate-data)`,
    );
  });
});

describe('readKube', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('loads what loadKube loads', async () => {
    const d = dir();
    writeFileSync(join(d, 'k'), one);
    expect(await readKube({ paths: [join(d, 'k')], origin: 'flag' })).toMatchObject({
      server: 'https://10.0.0.1:6443',
      target: { paths: [join(d, 'k')], context: 'ctx1' },
    });
  });

  // One line each: the file, the entry and its context, the field, and what is allowed.
  const bad: [what: string, from: string, to: string, message: (file: string, d: string) => string][] = [
    [
      'a server that is not https or http',
      'server: https://10.0.0.1:6443',
      'server: ftp://127.0.0.1:1',
      (file) =>
        `kubeconfig ${file}, cluster "c1" of context "ctx1": server "ftp://127.0.0.1:1" uses the scheme ftp; it must be an https:// (or http://) URL with a host, such as https://10.0.0.1:6443`,
    ],
    [
      'a client key that is not PEM',
      '  user: {token: t}',
      `  user: {client-certificate-data: ${b64(TEST_CERT)}, client-key-data: ${b64('garbage')}}`,
      (file) =>
        `kubeconfig ${file}, user "u1" of context "ctx1": client-key-data is not PEM (no -----BEGIN ... PRIVATE KEY----- block); it must hold the unencrypted PEM private key of the client certificate`,
    ],
    [
      'a CA file that is missing',
      'server: https://10.0.0.1:6443',
      'server: https://10.0.0.1:6443\n    certificate-authority: ca.crt',
      (file, d) =>
        `kubeconfig ${file}, cluster "c1" of context "ctx1": certificate-authority ${join(d, 'ca.crt')} does not exist; it must name a readable PEM file (or use certificate-authority-data)`,
    ],
  ];
  it.each(bad)('refuses %s, naming the file, the entry and the field', async (_what, from, to, message) => {
    const d = dir();
    writeFileSync(join(d, 'k'), one.replace(from, to));
    const error = await rejection(readKube({ paths: [join(d, 'k')], origin: 'flag' }));
    expect(error.code).toBe('SD_KUBECONFIG_INVALID');
    expect(error.message).toBe(message(join(d, 'k'), d));
    expect(thrown(() => loadKube({ paths: [join(d, 'k')], origin: 'flag' })).message).toBe(message(join(d, 'k'), d));
  });

  it('names the file that defines the faulty entry when several are merged', async () => {
    const d = dir();
    writeFileSync(join(d, 'a'), config({ clusters: [['c1', 'https://a:6443']], users: [], contexts: [['ctx1', 'c1', 'u1']], current: 'ctx1' }));
    writeFileSync(join(d, 'b'), one.replace('  user: {token: t}', `  user: {client-certificate-data: ${b64(TEST_CERT)}}`));
    const error = await rejection(readKube({ paths: [join(d, 'a'), join(d, 'b')], origin: 'KUBECONFIG' }));
    expect(error.message).toBe(
      `kubeconfig ${join(d, 'b')}, user "u1" of context "ctx1": client-key is missing; a client-certificate needs its client-key (or client-key-data)`,
    );
  });

  it('accepts a client certificate and its key', async () => {
    const d = dir();
    writeFileSync(join(d, 'me.key'), TEST_KEY);
    writeFileSync(join(d, 'k'), one.replace('  user: {token: t}', `  user: {client-certificate-data: ${b64(TEST_CERT)}, client-key: me.key}`));
    expect((await readKube({ paths: [join(d, 'k')], origin: 'flag' })).target.context).toBe('ctx1');
  });

  it('refuses a directory and a device as the kubeconfig', async () => {
    const d = dir();
    expect((await rejection(readKube({ paths: [d], origin: 'flag' }))).message).toBe(`kubeconfig ${d} is a directory, not a file`);
    expect((await rejection(readKube({ paths: ['/dev/null'], origin: 'flag' }))).message).toBe(
      'kubeconfig /dev/null is a character device (a terminal or a device), not a file or a pipe',
    );
  });

  function fifo(): string {
    const path = join(dir(), 'kubeconfig');
    execFileSync('mkfifo', [path]);
    return path;
  }

  it('reads a pipe once its writer closes it, and carries its text to the workers in the target', async () => {
    const path = fifo();
    const reading = readKube({ paths: [path], origin: 'flag' });
    await writeFile(path, one);
    const loaded = await reading;
    expect(loaded.server).toBe('https://10.0.0.1:6443');
    expect(loaded.target).toEqual({ paths: [path], context: 'ctx1', piped: { [path]: one } });
    // A worker loads it again from the serialized target, without reading the pipe (nothing writes it now).
    const again = await readKube(JSON.parse(JSON.stringify(loaded.target)) as typeof loaded.target, undefined, { pipeBoundMs: 100 });
    expect(again.server).toBe('https://10.0.0.1:6443');
    expect(loadKube(loaded.target).server).toBe('https://10.0.0.1:6443');
  });

  it('gives up on a pipe nothing writes within the bound, and stops waiting at once when the run is stopped', async () => {
    const path = fifo();
    const error = await rejection(readKube({ paths: [path], origin: 'flag' }, undefined, { pipeBoundMs: 200 }));
    expect(error.code).toBe('SD_KUBECONFIG_INVALID');
    expect(error.message).toBe(`kubeconfig ${path} is a pipe and nothing wrote to it and closed it within 0.2 s`);
    const abort = new AbortController();
    const reading = readKube({ paths: [path], origin: 'flag' }, undefined, { signal: abort.signal });
    const stop = new Error('interrupted by SIGINT');
    setTimeout(() => abort.abort(stop), 50);
    await expect(reading).rejects.toBe(stop);
  });
});
