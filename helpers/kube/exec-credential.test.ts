import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rejection } from '../testing/shakedown-error.ts';
import { resolveCredentials } from './connection.ts';
import { execAuthenticator, runExecPlugin, stderrLine, type ExecUser } from './exec-credential.ts';
import { readKube } from './kubeconfig.ts';

const WHERE = 'kubeconfig /k, user "u1" of context "ctx1"';

// A plugin: a shell script in its own directory; it counts its runs in ./runs.
function plugin(body: string): { command: string; runs: () => number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sd-exec-'));
  const command = join(dir, 'plugin');
  writeFileSync(command, `#!/bin/sh\necho run >> "${join(dir, 'runs')}"\n${body}\n`);
  chmodSync(command, 0o755);
  return { command, dir, runs: () => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length : 0) };
}

const credential = (status: object) => `cat <<'EOF'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status })}\nEOF`;
const user = (command: string, extra: Partial<ExecUser['exec']> = {}): ExecUser => ({
  exec: { command, apiVersion: 'client.authentication.k8s.io/v1', ...extra },
  where: WHERE,
});

describe('runExecPlugin', () => {
  it("gives the plugin's credential, with stdin closed and KUBERNETES_EXEC_INFO and the declared env set", async () => {
    const p = plugin(
      `read line && exit 3\n[ "$REGION" = eu-west-1 ] || exit 4\necho "$KUBERNETES_EXEC_INFO" > "${'$(dirname "$0")'}/info"\n${credential({ token: 'tok-1' })}`,
    );
    expect(await runExecPlugin(user(p.command, { env: [{ name: 'REGION', value: 'eu-west-1' }] }))).toEqual({ token: 'tok-1' });
    expect(JSON.parse(readFileSync(join(p.dir, 'info'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('says in one line that the plugin failed, its stderr as one labelled line of at most 300 characters, spelled safe', async () => {
    const p = plugin(`printf 'error: \\033[31mSSO session expired\\033[0m\\nrun: aws sso login\\n' >&2\nhead -c 2000 /dev/zero | tr '\\0' x >&2\nexit 1`);
    const error = await rejection(runExecPlugin(user(p.command)));
    expect(error.code).toBe('SD_KUBECONFIG_INVALID');
    expect(error.message).toMatch(
      new RegExp(
        `^${WHERE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: exec plugin ".*plugin" exited with code 1; exec plugin stderr \\(first 300 chars\\): error: \\\\x1b\\[31mSSO session expired\\\\x1b\\[0m\\\\nrun: aws sso login\\\\nx+… \\(\\d+ more characters\\)$`,
      ),
    );
    expect(error.message).not.toContain('\u001b');
    expect(error.details).toBeUndefined();
    expect(error.hint).toMatch(/^Run the plugin of that user entry yourself/);
  });

  it('names a plugin that is not there, and one whose output is no credential', async () => {
    expect((await rejection(runExecPlugin(user('/nonexistent/kubelogin')))).message).toBe(
      `${WHERE}: exec plugin "/nonexistent/kubelogin" was not found (not on PATH, or no such file)`,
    );
    const garbage = plugin('echo "Please log in at https://login.example"');
    expect((await rejection(runExecPlugin(user(garbage.command)))).message).toMatch(
      /exec plugin ".*" printed no usable ExecCredential: its output is not JSON; exec plugin stderr \(first 300 chars\): \(empty\)$/,
    );
    const empty = plugin(credential({}));
    expect((await rejection(runExecPlugin(user(empty.command)))).message).toMatch(
      /printed no usable ExecCredential: its status holds neither a token nor a client certificate and key;/,
    );
  });

  it('stops a plugin that gives nothing within the bound, and at once when the run is stopped', async () => {
    const hung = plugin('echo "waiting for the browser" >&2\nexec sleep 30');
    let started = Date.now();
    const error = await rejection(runExecPlugin(user(hung.command), { timeoutMs: 300 }));
    expect(error.message).toMatch(
      /exec plugin ".*" gave no credential within 0.3 s and was stopped; exec plugin stderr \(first 300 chars\): waiting for the browser$/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    const abort = new AbortController();
    const stop = new Error('interrupted by SIGINT');
    setTimeout(() => abort.abort(stop), 200);
    started = Date.now();
    await expect(runExecPlugin(user(hung.command), { signal: abort.signal })).rejects.toBe(stop);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('stderrLine', () => {
  it.each([
    ['', 'exec plugin stderr (first 300 chars): (empty)'],
    ['  token expired \n', 'exec plugin stderr (first 300 chars): token expired'],
    ['a\r\nb\u0007', 'exec plugin stderr (first 300 chars): a\\nb\\x07'],
  ])('%j', (stderr, line) => {
    expect(stderrLine(stderr)).toBe(line);
  });
});

describe('execAuthenticator', () => {
  it('runs the plugin once for concurrent requests and keeps its credential until it expires', async () => {
    const lasting = plugin(`sleep 0.2\n${credential({ token: 'tok-2', expirationTimestamp: '2999-01-01T00:00:00Z' })}`);
    const auth = execAuthenticator(new Map([['u1', user(lasting.command)]]));
    const apply = async () => {
      const opts: { headers?: Record<string, unknown> } = {};
      await auth.applyAuthentication({ name: 'u1' }, opts);
      return opts.headers?.Authorization;
    };
    expect(await Promise.all([apply(), apply(), apply()])).toEqual(['Bearer tok-2', 'Bearer tok-2', 'Bearer tok-2']);
    expect(await apply()).toBe('Bearer tok-2');
    expect(lasting.runs()).toBe(1);
    expect(auth.isAuthProvider({ name: 'u1' })).toBe(true);
    expect(auth.isAuthProvider({ name: 'u2' })).toBe(false);

    const expired = plugin(credential({ token: 'tok-3', expirationTimestamp: '2000-01-01T00:00:00Z' }));
    const again = execAuthenticator(new Map([['u1', user(expired.command)]]));
    await again.applyAuthentication({ name: 'u1' }, {});
    await again.applyAuthentication({ name: 'u1' }, {});
    expect(expired.runs()).toBe(2);
  });

  it('authenticates the connection of a kubeconfig whose user has a plugin, and names the file when it fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-exec-kc-'));
    const kubeconfig = (command: string) =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c1, cluster: {server: "https://127.0.0.1:1"}}]',
        `users: [{name: u1, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "${command}", args: [get-token]}}}]`,
        'contexts: [{name: ctx1, context: {cluster: c1, user: u1}}]',
        'current-context: ctx1',
        '',
      ].join('\n');
    const good = plugin(credential({ token: 'tok-4' }));
    writeFileSync(join(dir, 'good'), kubeconfig(good.command));
    const loaded = await readKube({ paths: [join(dir, 'good')], origin: 'flag' });
    expect((await resolveCredentials(loaded.kc)).headers.Authorization).toBe('Bearer tok-4');
    const bad = plugin('echo "no such profile" >&2; exit 255');
    writeFileSync(join(dir, 'bad'), kubeconfig(bad.command));
    const error = await rejection(resolveCredentials((await readKube({ paths: [join(dir, 'bad')], origin: 'flag' })).kc));
    expect(error.message).toBe(
      `kubeconfig ${join(dir, 'bad')}, user "u1" of context "ctx1": exec plugin "${bad.command}" exited with code 255; exec plugin stderr (first 300 chars): no such profile`,
    );
  });
});
