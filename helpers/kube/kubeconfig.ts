// Finds and loads the kubeconfig the way kubectl does (--kubeconfig, else KUBECONFIG, a list of
// files where the first to define a name wins, else ~/.kube/config) and selects the context.
// Every problem becomes SD_KUBECONFIG_INVALID naming the file and what is wrong with it.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';

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
    if (options.explicit !== undefined) throw new ShakedownError('SD_BAD_FLAG', '--in-cluster and --kubeconfig exclude each other: --in-cluster uses the pod\'s ServiceAccount', { hint: 'Drop one of them.' });
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
  if (options.env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(join(saDir, 'token'))) return { paths: [], origin: 'in-cluster', inCluster: inClusterConfig(options.env, saDir) };
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
  return new ShakedownError('SD_KUBECONFIG_INVALID', 'no kubeconfig: --kubeconfig, SHAKEDOWN_KUBECONFIG and KUBECONFIG are unset and ~/.kube/config does not exist');
}

export function loadKube(location: KubeconfigLocation | KubeTarget, context?: string): LoadedKube {
  if (location.inCluster !== undefined) return loadInCluster(location.inCluster);
  const paths = location.paths;
  const merged = mergeFiles(paths);
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
  const kc = new KubeConfig();
  kc.loadFromOptions({ ...merged, currentContext: name });
  checkCredentialFiles(kc, where);
  return { kc, target: { paths, context: name }, server: cluster.server };
}

interface Merged {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string | undefined;
}

function mergeFiles(paths: readonly string[]): Merged {
  const merged: Merged = { clusters: [], users: [], contexts: [], currentContext: undefined };
  for (const path of paths) {
    const kc = loadFile(path);
    // The first file to define a name (or the current context) wins, as in kubectl.
    for (const cluster of kc.clusters) if (!merged.clusters.some((c) => c.name === cluster.name)) merged.clusters.push(cluster);
    for (const user of kc.users) if (!merged.users.some((u) => u.name === user.name)) merged.users.push(user);
    for (const ctx of kc.contexts) if (!merged.contexts.some((c) => c.name === ctx.name)) merged.contexts.push(ctx);
    if ((merged.currentContext ?? '') === '' && kc.currentContext) merged.currentContext = kc.currentContext;
  }
  return merged;
}

function loadFile(path: string): KubeConfig {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : (error as Error).message;
    throw invalid(`kubeconfig ${path} ${reason}`, undefined, error);
  }
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

// Certificate and key files named by the kubeconfig must be readable now, not at the first request.
function checkCredentialFiles(kc: KubeConfig, where: string): void {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const files: [string, string | undefined][] = [
    ['certificate-authority', cluster?.caFile],
    ['client-certificate', user?.certFile],
    ['client-key', user?.keyFile],
  ];
  for (const [field, file] of files) {
    if (file !== undefined && file !== '' && !existsSync(file)) {
      throw invalid(`${field} ${file} named by ${where} (context "${kc.currentContext}") does not exist`);
    }
  }
}

function invalid(message: string, hint?: string, cause?: unknown): ShakedownError {
  return new ShakedownError('SD_KUBECONFIG_INVALID', message, { hint, cause });
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}
