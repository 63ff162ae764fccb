// Exec credential plugins (users[].user.exec: aws eks get-token, gke-gcloud-auth-plugin, kubelogin),
// run by us instead of client-node, which waits for them without a bound, keeps reading stdin open,
// and turns a failure's whole stderr into the error message (and so into the reports). Here a
// plugin runs with stdin closed and KUBERNETES_EXEC_INFO set as kubectl sets it, within a bound,
// stopped by Ctrl-C (signals.ts stopRequested); its ExecCredential is kept until it expires and one
// run of it serves the requests that wait for it. A failure is SD_KUBECONFIG_INVALID in one line
// naming the user and the plugin, its stderr carried only as one labelled, capped line.
//
// The plugin is wired in as a client-node authenticator (execAuthenticator), so every path that
// authenticates with the KubeConfig (our connection, exec websockets, watches) runs it this way.
import { spawn } from 'node:child_process';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { stopRequested } from '../run/signals.ts';
import { terminalText } from '../terminal-text.ts';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

// Where a user's plugin is declared, for the messages.
export interface ExecUser {
  exec: ExecConfig;
  // "kubeconfig FILE, user "NAME" of context "CTX"".
  where: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  // The environment the plugin inherits (the process's when absent).
  env?: NodeJS.ProcessEnv;
}

export const EXEC_TIMEOUT_MS = 60_000;
export const STDERR_CHARS = 300;
const MAX_STDOUT_BYTES = 1024 * 1024;
// After SIGTERM, a plugin that has not ended gets SIGKILL.
const KILL_GRACE_MS = 1000;

const HINT = 'Run the plugin of that user entry yourself (its command and args) to see why; an expired login is the usual cause.';

// A user's exec plugin as the kubeconfig declares it (user.exec, or the older auth-provider "exec").
export function execConfigOf(user: User): ExecConfig | undefined {
  const provider = user.authProvider as { name?: unknown; config?: { exec?: unknown } } | undefined;
  const exec = (user.exec ?? (provider?.name === 'exec' || provider?.config?.exec !== undefined ? provider?.config?.exec : undefined)) as
    ExecConfig | undefined;
  return exec === undefined || exec === null ? undefined : exec;
}

// The user without its plugin (client-node's own runner must not see it).
export function withoutExec(user: User): User {
  const provider = user.authProvider as { name?: unknown; config?: { exec?: unknown } } | undefined;
  const execProvider = provider?.name === 'exec' || provider?.config?.exec !== undefined;
  return { ...user, exec: undefined, authProvider: execProvider ? undefined : user.authProvider };
}

// Authenticates the users named in `users` (by name) with their plugin, for a KubeConfig whose
// users were loaded withoutExec.
export function execAuthenticator(users: ReadonlyMap<string, ExecUser>, options: ExecOptions = {}): Authenticator {
  const cache = new Map<string, ExecCredentialStatus>();
  const running = new Map<string, Promise<ExecCredentialStatus>>();
  const credential = (name: string, user: ExecUser): Promise<ExecCredentialStatus> => {
    const cached = cache.get(name);
    if (cached !== undefined && (cached.expirationTimestamp === undefined || Date.parse(cached.expirationTimestamp) > Date.now()))
      return Promise.resolve(cached);
    let run = running.get(name);
    if (run === undefined) {
      run = runExecPlugin(user, options)
        .then((status) => {
          cache.set(name, status);
          return status;
        })
        .finally(() => running.delete(name));
      running.set(name, run);
    }
    return run;
  };
  return {
    isAuthProvider: (user) => users.has(user.name),
    async applyAuthentication(user, opts) {
      const declared = users.get(user.name);
      if (declared === undefined) return;
      const status = await credential(user.name, declared);
      const target = opts as { cert?: unknown; key?: unknown; headers?: Record<string, unknown> };
      if (status.clientCertificateData !== undefined) target.cert = status.clientCertificateData;
      if (status.clientKeyData !== undefined) target.key = status.clientKeyData;
      if (status.token !== undefined) target.headers = { ...target.headers, Authorization: `Bearer ${status.token}` };
    },
  };
}

// One run of the plugin: its ExecCredential's status, or SD_KUBECONFIG_INVALID saying what it did.
export function runExecPlugin(user: ExecUser, options: ExecOptions = {}): Promise<ExecCredentialStatus> {
  const { exec, where } = user;
  const signal = options.signal ?? stopRequested();
  const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
  const plugin = `exec plugin "${terminalText(exec.command, { oneLine: true, max: 200 })}"`;
  const failed = (what: string, stderr?: string, cause?: unknown) =>
    new ShakedownError('SD_KUBECONFIG_INVALID', `${where}: ${plugin} ${what}${stderr === undefined ? '' : `; ${stderrLine(stderr)}`}`, { hint: HINT, cause });
  return new Promise<ExecCredentialStatus>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      return;
    }
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
    for (const entry of exec.env ?? []) env[entry.name] = entry.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const child = spawn(exec.command, exec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (error: Error | undefined, status?: ExecCredentialStatus): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined && status !== undefined) resolve(status);
      else reject(error ?? new Error('no credential'));
    };
    // Stopped: the plugin is asked to end, and nothing of it keeps this process alive.
    const stop = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      }
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
    };
    const onAbort = (): void => {
      stop();
      finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    const timer = setTimeout(() => {
      stop();
      finish(failed(`gave no credential within ${timeoutMs / 1000} s and was stopped`, stderr));
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdoutBytes += Buffer.byteLength(chunk);
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        stop();
        finish(failed(`printed more than ${MAX_STDOUT_BYTES / (1024 * 1024)} MiB`));
      } else stdout += chunk;
    });
    // Only the start is ever shown; a little more is kept to tell that there was more.
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length <= STDERR_CHARS * 2) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(
        failed(
          error.code === 'ENOENT'
            ? 'was not found (not on PATH, or no such file)'
            : error.code === 'EACCES'
              ? 'cannot be run (permission denied)'
              : `could not start (${error.code ?? error.message})`,
          undefined,
          error,
        ),
      );
    });
    child.on('close', (code, killed) => {
      if (code !== 0) {
        finish(failed(code === null ? `was ended by ${killed ?? 'a signal'}` : `exited with code ${code}`, stderr));
        return;
      }
      let status: ExecCredentialStatus;
      try {
        status = parseCredential(stdout);
      } catch (error) {
        finish(failed(`printed no usable ExecCredential: ${(error as Error).message}`, stderr, error));
        return;
      }
      finish(undefined, status);
    });
  });
}

// The plugin's stderr as one labelled line: its first STDERR_CHARS characters, control characters
// and newlines spelled out.
export function stderrLine(stderr: string): string {
  const text = stderr.trim();
  return `exec plugin stderr (first ${STDERR_CHARS} chars): ${text === '' ? '(empty)' : terminalText(text, { oneLine: true, max: STDERR_CHARS })}`;
}

function parseCredential(stdout: string): ExecCredentialStatus {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(stdout.trim() === '' ? 'its output was empty' : 'its output is not JSON');
  }
  const status = (parsed as { status?: unknown } | null)?.status;
  if (typeof status !== 'object' || status === null) throw new Error('it has no status');
  const { token, clientCertificateData, clientKeyData, expirationTimestamp } = status as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const credential: ExecCredentialStatus = {
    ...(text(token) === undefined ? {} : { token: text(token) }),
    ...(text(clientCertificateData) === undefined ? {} : { clientCertificateData: text(clientCertificateData) }),
    ...(text(clientKeyData) === undefined ? {} : { clientKeyData: text(clientKeyData) }),
    ...(text(expirationTimestamp) === undefined ? {} : { expirationTimestamp: text(expirationTimestamp) }),
  };
  if (credential.token === undefined && (credential.clientCertificateData === undefined || credential.clientKeyData === undefined)) {
    throw new Error('its status holds neither a token nor a client certificate and key');
  }
  return credential;
}
