// Finds and loads the kubeconfig the way kubectl does (--kubeconfig, else KUBECONFIG, a list of
// files where the first to define a name wins, else ~/.kube/config) and selects the context.
// Every problem becomes SD_KUBECONFIG_INVALID naming the file and what is wrong with it, down to
// the chosen cluster's and user's fields (kubeconfig-check.ts).
//
// A kubeconfig may be a pipe (--kubeconfig <(vault read ...)): readKube, the run's way, reads it
// without blocking the process (Ctrl-C is heard while its writer is at work, input-file.ts) and
// within a bound; a pipe is read once, so its text travels in the KubeTarget to the suite workers.
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { InputFileError, readInputFile, readInputFileSync } from '../input-file.ts';
import { stopRequested } from '../run/signals.ts';
import { execAuthenticator, execConfigOf, withoutExec } from './exec-credential.ts';
import { checkCluster, checkUser, materialFiles, type EntryProblem, type MaterialReader } from './kubeconfig-check.ts';

export type KubeconfigOrigin = 'flag' | 'KUBECONFIG' | 'home' | 'in-cluster';

export interface KubeconfigLocation {
  paths: string[];
  origin: KubeconfigOrigin;
  // Set (and paths empty) when the credentials are the pod's ServiceAccount.
  inCluster?: InClusterConfig;
}

// What a worker needs to load the same kubeconfig again: plain and serializable.
export interface KubeTarget {
  paths: string[];
  context: string;
  inCluster?: InClusterConfig;
  // The text of the kubeconfig files that were pipes, by path: a pipe cannot be read twice.
  piped?: Record<string, string>;
}

// The pod's ServiceAccount: the API server's Service address from the environment kubelet sets,
// the CA and the token the kubelet mounts (and rotates: the token file is read again as it changes).
export interface InClusterConfig {
  server: string;
  caFile: string;
  tokenFile: string;
}

export const IN_CLUSTER_CONTEXT = 'in-cluster';
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadedKube {
  kc: KubeConfig;
  target: KubeTarget;
  server: string;
}

export interface FindOptions {
  explicit: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  home: string | undefined;
  // --in-cluster: the pod's ServiceAccount, and an error when this is not a pod.
  inCluster?: boolean;
  // Where the ServiceAccount's files are mounted (tests point it elsewhere).
  serviceAccountDir?: string;
}

// Where the kubeconfig would come from, or undefined when there is none at all. Inside a pod with
// no kubeconfig anywhere, the pod's ServiceAccount is used, as with --in-cluster.
export function findKubeconfig(options: FindOptions): KubeconfigLocation | undefined {
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (options.inCluster === true) {
    if (options.explicit !== undefined)
      throw new ShakedownError('SD_BAD_FLAG', "--in-cluster and --kubeconfig exclude each other: --in-cluster uses the pod's ServiceAccount", {
        hint: 'Drop one of them.',
      });
    return { paths: [], origin: 'in-cluster', inCluster: inClusterConfig(options.env, saDir) };
  }
  if (options.explicit !== undefined) return { paths: [resolve(options.explicit)], origin: 'flag' };
  const listed = (options.env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  if (listed.length > 0) {
    // kubectl ignores listed files that do not exist, as long as one does.
    const present = listed.map((path) => resolve(path)).filter((path) => existsSync(path));
    return { paths: present.length > 0 ? present : listed.map((path) => resolve(path)), origin: 'KUBECONFIG' };
  }
  if (options.home !== undefined) {
    const path = join(options.home, '.kube', 'config');
    if (existsSync(path)) return { paths: [path], origin: 'home' };
  }
  if (options.env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(join(saDir, 'token')))
    return { paths: [], origin: 'in-cluster', inCluster: inClusterConfig(options.env, saDir) };
  return undefined;
}

// The pod's ServiceAccount, or SD_KUBECONFIG_INVALID saying what shows this is not a pod.
export function inClusterConfig(env: Readonly<Record<string, string | undefined>>, saDir: string = SERVICE_ACCOUNT_DIR): InClusterConfig {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  const tokenFile = join(saDir, 'token');
  const caFile = join(saDir, 'ca.crt');
  const missing = [
    ...(host === '' ? ['KUBERNETES_SERVICE_HOST is unset'] : []),
    ...(port === '' ? ['KUBERNETES_SERVICE_PORT is unset'] : []),
    ...(existsSync(tokenFile) ? [] : [`${tokenFile} does not exist`]),
    ...(existsSync(caFile) ? [] : [`${caFile} does not exist`]),
  ];
  if (missing.length > 0) {
    throw invalid(
      `--in-cluster: this is not a pod with a ServiceAccount token (${missing.join('; ')})`,
      'Outside a pod, pass --kubeconfig (or set KUBECONFIG); in a pod, keep automountServiceAccountToken on.',
    );
  }
  return { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, caFile, tokenFile };
}

function loadInCluster(config: InClusterConfig): LoadedKube {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: IN_CLUSTER_CONTEXT, server: config.server, caFile: config.caFile, skipTLSVerify: false }],
    users: [{ name: IN_CLUSTER_CONTEXT, authProvider: { name: 'tokenFile', config: { tokenFile: config.tokenFile } } }],
    contexts: [{ name: IN_CLUSTER_CONTEXT, cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT }],
    currentContext: IN_CLUSTER_CONTEXT,
  });
  return { kc, target: { paths: [], context: IN_CLUSTER_CONTEXT, inCluster: config }, server: config.server };
}

export function noKubeconfig(): ShakedownError {
  return new ShakedownError(
    'SD_KUBECONFIG_INVALID',
    'no kubeconfig: --kubeconfig, SHAKEDOWN_KUBECONFIG and KUBECONFIG are unset and ~/.kube/config does not exist',
  );
}

export interface ReadKubeOptions {
  // Ends the wait on a pipe; the process's stop signal (Ctrl-C, SIGTERM) when absent.
  signal?: AbortSignal;
  // How long a pipe's writer may take (input-file.ts PIPE_BOUND_MS when absent).
  pipeBoundMs?: number;
}

// The run's way to load the kubeconfig: files and pipes read without blocking the process, the
// chosen cluster's and user's TLS material read and checked before anything connects.
export async function readKube(location: KubeconfigLocation | KubeTarget, context?: string, options: ReadKubeOptions = {}): Promise<LoadedKube> {
  if (location.inCluster !== undefined) return loadInCluster(location.inCluster);
  const signal = options.signal ?? stopRequested();
  const piped: Record<string, string> = { ...('piped' in location ? location.piped : undefined) };
  const texts: [string, string][] = [];
  for (const path of location.paths) {
    let text = piped[path];
    if (text === undefined) {
      const read = await readInputFile(path, { signal, ...(options.pipeBoundMs === undefined ? {} : { boundMs: options.pipeBoundMs }) }).catch(
        (error: unknown) => {
          throw unreadableKubeconfig(path, error);
        },
      );
      text = read.text;
      if (read.pipe) piped[path] = text;
    }
    texts.push([path, text]);
  }
  const chosen = choose(location, texts, context);
  const material = new Map<string, Buffer | unknown>();
  for (const file of materialFiles(chosen.cluster, chosen.user)) {
    material.set(
      file,
      await readInputFile(file, { signal, pipes: false }).then(
        (read) => Buffer.from(read.text, 'utf8'),
        (error: unknown) => error,
      ),
    );
    signal.throwIfAborted();
  }
  check(chosen, (file) => {
    const bytes = material.get(file);
    if (bytes instanceof Buffer) return bytes;
    throw bytes;
  });
  return loaded(chosen, piped);
}

// The same, synchronously (a pipe is polled within its bound): for a command that only needs the
// context's name before it starts, while no signal handler is installed yet.
export function loadKube(location: KubeconfigLocation | KubeTarget, context?: string): LoadedKube {
  if (location.inCluster !== undefined) return loadInCluster(location.inCluster);
  const piped: Record<string, string> = { ...('piped' in location ? location.piped : undefined) };
  const texts = location.paths.map((path): [string, string] => {
    let text = piped[path];
    if (text === undefined) {
      try {
        const read = readInputFileSync(path);
        text = read.text;
        if (read.pipe) piped[path] = text;
      } catch (error) {
        throw unreadableKubeconfig(path, error);
      }
    }
    return [path, text];
  });
  const chosen = choose(location, texts, context);
  check(chosen, (file) => Buffer.from(readInputFileSync(file, { pipes: false }).text, 'utf8'));
  return loaded(chosen, piped);
}

interface Chosen {
  kc: KubeConfig;
  paths: string[];
  context: string;
  cluster: Cluster;
  user: User | null;
  // The file that defines each cluster and user (the first to, as in kubectl).
  files: Map<string, string>;
}

function loaded(chosen: Chosen, piped: Record<string, string>): LoadedKube {
  const target: KubeTarget = { paths: chosen.paths, context: chosen.context, ...(Object.keys(piped).length === 0 ? {} : { piped }) };
  return { kc: chosen.kc, target, server: chosen.cluster.server };
}

// The merged files' context, chosen by name or as the current one, and its cluster and user.
function choose(location: KubeconfigLocation | KubeTarget, texts: readonly [string, string][], context: string | undefined): Chosen {
  const paths = location.paths;
  const merged = mergeFiles(texts);
  const name = context ?? ('context' in location ? location.context : undefined) ?? merged.currentContext;
  const where = paths.join(delimiter);
  if (merged.contexts.length === 0) throw invalid(`${where} defines no context`);
  if (name === undefined || name === '') {
    throw invalid(`${where} has no current context; choose one of: ${merged.contexts.map((c) => c.name).join(', ')}`, 'Pass --context NAME.');
  }
  const chosen = merged.contexts.find((c) => c.name === name);
  if (chosen === undefined) {
    throw invalid(`context "${name}" is not in ${where}; it has: ${merged.contexts.map((c) => c.name).join(', ')}`, 'Pass --context with one of those names.');
  }
  const cluster = merged.clusters.find((c) => c.name === chosen.cluster);
  if (cluster === undefined) throw invalid(`context "${name}" names cluster "${chosen.cluster}", which ${where} does not define`);
  if (chosen.user !== undefined && chosen.user !== '' && !merged.users.some((u) => u.name === chosen.user)) {
    throw invalid(`context "${name}" names user "${chosen.user}", which ${where} does not define`);
  }
  const user = merged.users.find((u) => u.name === chosen.user) ?? null;
  const kc = new KubeConfig();
  const { files } = merged;
  // The user's exec credential plugin is run by us (exec-credential.ts), not by client-node.
  const exec = user === null ? undefined : execConfigOf(user);
  const users = exec === undefined ? merged.users : merged.users.map((u) => (u === user ? withoutExec(u) : u));
  kc.loadFromOptions({ clusters: merged.clusters, users, contexts: merged.contexts, currentContext: name });
  if (user !== null && exec !== undefined)
    kc.addAuthenticator(execAuthenticator(new Map([[user.name, { exec, where: entryWhere(files, paths, 'user', user.name, name) }]])));
  return { kc, paths, context: name, cluster, user, files };
}

// The chosen cluster and user, checked: the first problem names the file, the entry and the field.
function check(chosen: Chosen, read: MaterialReader): void {
  const problem = checkCluster(chosen.cluster, read) ?? (chosen.user === null ? undefined : checkUser(chosen.user, read));
  if (problem === undefined) return;
  throw invalid(entryMessage(chosen, problem), hintFor(problem));
}

function entryMessage(chosen: Chosen, problem: EntryProblem): string {
  const name = problem.entry === 'cluster' ? chosen.cluster.name : (chosen.user?.name ?? '');
  return `${entryWhere(chosen.files, chosen.paths, problem.entry, name, chosen.context)}: ${problem.field} ${problem.problem}`;
}

// "kubeconfig FILE, user "NAME" of context "CTX"": the file that defines the entry.
function entryWhere(files: ReadonlyMap<string, string>, paths: readonly string[], entry: 'cluster' | 'user', name: string, context: string): string {
  return `kubeconfig ${files.get(`${entry}\0${name}`) ?? paths.join(delimiter)}, ${entry} "${name}" of context "${context}"`;
}

function hintFor(problem: EntryProblem): string {
  if (problem.field === 'server') return 'Fix the server of that cluster entry (kubectl config set-cluster NAME --server=https://HOST:6443).';
  return `Fix ${problem.field} of that ${problem.entry} entry, or pass --context NAME for another context.`;
}

interface Merged {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string | undefined;
  files: Map<string, string>;
}

function mergeFiles(texts: readonly [string, string][]): Merged {
  const merged: Merged = { clusters: [], users: [], contexts: [], currentContext: undefined, files: new Map() };
  for (const [path, text] of texts) {
    const kc = parseFile(path, text);
    // The first file to define a name (or the current context) wins, as in kubectl.
    for (const cluster of kc.clusters) {
      if (merged.clusters.some((c) => c.name === cluster.name)) continue;
      merged.clusters.push(cluster);
      merged.files.set(`cluster\0${cluster.name}`, path);
    }
    for (const user of kc.users) {
      if (merged.users.some((u) => u.name === user.name)) continue;
      merged.users.push(user);
      merged.files.set(`user\0${user.name}`, path);
    }
    for (const ctx of kc.contexts) if (!merged.contexts.some((c) => c.name === ctx.name)) merged.contexts.push(ctx);
    if ((merged.currentContext ?? '') === '' && kc.currentContext) merged.currentContext = kc.currentContext;
  }
  return merged;
}

function parseFile(path: string, content: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(content);
  } catch (error) {
    throw invalid(`kubeconfig ${path} cannot be parsed: ${firstLine(error)}`, undefined, error);
  }
  if (kc.contexts.length === 0 && kc.clusters.length === 0 && kc.users.length === 0) {
    throw invalid(`kubeconfig ${path} holds no clusters, users or contexts`);
  }
  kc.makePathsAbsolute(dirname(path));
  return kc;
}

// A kubeconfig file that cannot be read, or the stop that ended the wait for it (passed on as it is).
function unreadableKubeconfig(path: string, error: unknown): unknown {
  if (!(error instanceof InputFileError)) return error;
  return invalid(
    `kubeconfig ${path} ${error.reason}`,
    error.reason.startsWith('is a pipe')
      ? 'Make sure the command writing the pipe finishes (--kubeconfig <(command) waits for it to end), or write the kubeconfig to a file.'
      : undefined,
    error,
  );
}

function invalid(message: string, hint?: string, cause?: unknown): ShakedownError {
  return new ShakedownError('SD_KUBECONFIG_INVALID', message, { hint, cause });
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}
