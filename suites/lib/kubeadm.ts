// What a kubeadm-built cluster shows through the API, read once and shared by the control-plane,
// network, gate and certificates suites: the ConfigMaps kubeadm writes in kube-system
// (kubeadm-config's ClusterConfiguration, kubelet-config's KubeletConfiguration, kube-proxy's
// KubeProxyConfiguration) and the control-plane mirror pods the kubelets publish for the static pods
// in /etc/kubernetes/manifests. The parsers are pure; readKubeadm only fetches.
import { CORE_SCHEMA, load } from 'js-yaml';
import type { ApiConnection } from '../../helpers/kube/connection.ts';
import { getJson, ReadError, type ConfigMap } from './api-json.ts';
import { imageTag } from './image-tag.ts';

export const KUBE_SYSTEM = 'kube-system';
export const KUBEADM_CONFIG = 'kubeadm-config';
export const KUBELET_CONFIG = 'kubelet-config';
export const KUBE_PROXY_CONFIG = 'kube-proxy';

export const CONTROL_PLANE_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ControlPlaneComponent = (typeof CONTROL_PLANE_COMPONENTS)[number];

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const APISERVER_ENDPOINT_ANNOTATION = 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint';
export const ETCD_CLIENT_URLS_ANNOTATION = 'kubeadm.kubernetes.io/etcd.advertise-client-urls';

export const CHECK_EXPIRATION = 'kubeadm certs check-expiration';

export interface ClusterConfiguration {
  apiVersion?: string;
  kubernetesVersion?: string;
  imageRepository?: string;
  controlPlaneEndpoint?: string;
  podSubnet?: string;
  serviceSubnet?: string;
  dnsDomain?: string;
  certificatesDir?: string;
  // Local: kubeadm runs etcd as a static pod on every control-plane node; external: the endpoints.
  etcd: { kind: 'local' } | { kind: 'external'; endpoints: string[] };
}

export interface KubeletConfiguration {
  rotateCertificates?: boolean;
  serverTLSBootstrap?: boolean;
  cgroupDriver?: string;
}

export interface KubeProxyConfiguration {
  // As written: "" means the platform default (iptables on Linux).
  mode: string;
  clusterCIDR?: string;
  // Settings worth showing, as "key: value" lines in the order read.
  settings: string[];
}

export interface KubeadmView {
  // Absent: no kube-system/kubeadm-config (not a kubeadm cluster, or its config was removed).
  cluster?: ClusterConfiguration;
  kubelet?: KubeletConfiguration;
  kubeProxy?: KubeProxyConfiguration;
  // Whether each ConfigMap exists (a ConfigMap that exists but cannot be parsed is a problem).
  present: { kubeadmConfig: boolean; kubeletConfig: boolean; kubeProxy: boolean };
  // ConfigMaps that could not be read (other than absent) or parsed, each one sentence.
  problems: string[];
}

type Yaml = Record<string, unknown>;

const isObject = (value: unknown): value is Yaml => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const flag = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

function parseYaml(source: string, what: string): Yaml {
  let parsed: unknown;
  try {
    parsed = load(source, { schema: CORE_SCHEMA });
  } catch (error) {
    throw new Error(`${what} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
  if (!isObject(parsed)) throw new Error(`${what} is not a YAML mapping`);
  return parsed;
}

export function parseClusterConfiguration(source: string): ClusterConfiguration {
  const doc = parseYaml(source, `${KUBEADM_CONFIG} data.ClusterConfiguration`);
  if (doc.kind !== undefined && doc.kind !== 'ClusterConfiguration')
    throw new Error(`${KUBEADM_CONFIG} data.ClusterConfiguration is of kind ${String(doc.kind)}`);
  const networking = isObject(doc.networking) ? doc.networking : {};
  const etcd = isObject(doc.etcd) ? doc.etcd : {};
  const external = isObject(etcd.external) ? etcd.external : undefined;
  const endpoints = Array.isArray(external?.endpoints) ? external.endpoints.map(text).filter((e) => e !== undefined) : [];
  const fields = {
    apiVersion: text(doc.apiVersion),
    kubernetesVersion: text(doc.kubernetesVersion),
    imageRepository: text(doc.imageRepository),
    controlPlaneEndpoint: text(doc.controlPlaneEndpoint),
    podSubnet: text(networking.podSubnet),
    serviceSubnet: text(networking.serviceSubnet),
    dnsDomain: text(networking.dnsDomain),
    certificatesDir: text(doc.certificatesDir),
  };
  return {
    ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as Partial<typeof fields>),
    etcd: external === undefined ? { kind: 'local' } : { kind: 'external', endpoints },
  } as ClusterConfiguration;
}

export function parseKubeletConfiguration(source: string): KubeletConfiguration {
  const doc = parseYaml(source, `${KUBELET_CONFIG} data.kubelet`);
  const rotate = flag(doc.rotateCertificates);
  const bootstrap = flag(doc.serverTLSBootstrap);
  const driver = text(doc.cgroupDriver);
  return {
    ...(rotate === undefined ? {} : { rotateCertificates: rotate }),
    ...(bootstrap === undefined ? {} : { serverTLSBootstrap: bootstrap }),
    ...(driver === undefined ? {} : { cgroupDriver: driver }),
  };
}

// The KubeProxyConfiguration settings shown as evidence, by path.
const PROXY_SETTINGS = [
  'mode',
  'clusterCIDR',
  'bindAddress',
  'healthzBindAddress',
  'metricsBindAddress',
  'iptables.masqueradeAll',
  'iptables.syncPeriod',
  'nftables.masqueradeAll',
  'nftables.syncPeriod',
  'ipvs.scheduler',
  'ipvs.strictARP',
  'conntrack.maxPerCore',
  'conntrack.min',
  'detectLocalMode',
  'nodePortAddresses',
];

function at(doc: Yaml, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
  return value;
}

export function parseKubeProxyConfiguration(source: string): KubeProxyConfiguration {
  const doc = parseYaml(source, `${KUBE_PROXY_CONFIG} data["config.conf"]`);
  const settings: string[] = [];
  for (const path of PROXY_SETTINGS) {
    const value = at(doc, path);
    if (value === undefined || value === null) continue;
    settings.push(`${path}: ${typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? value.join(', ') : String(value)}`);
  }
  const clusterCIDR = text(doc.clusterCIDR);
  return { mode: text(doc.mode) ?? '', ...(clusterCIDR === undefined || clusterCIDR === '' ? {} : { clusterCIDR }), settings };
}

// The ConfigMaps as read: each undefined when absent (404); a refusal is thrown to the caller.
export interface KubeadmConfigMaps {
  kubeadmConfig?: ConfigMap;
  kubeletConfig?: ConfigMap;
  kubeProxy?: ConfigMap;
  // ConfigMaps the API refused to show (not a 404), each with the answer.
  refused: string[];
}

export function kubeadmView(maps: KubeadmConfigMaps): KubeadmView {
  const problems = [...maps.refused];
  const parsed = <T>(map: ConfigMap | undefined, key: string, parse: (s: string) => T): T | undefined => {
    if (map === undefined) return undefined;
    const source = map.data?.[key];
    if (source === undefined) {
      problems.push(`ConfigMap ${KUBE_SYSTEM}/${map.metadata.name} has no data key ${key}`);
      return undefined;
    }
    try {
      return parse(source);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  const cluster = parsed(maps.kubeadmConfig, 'ClusterConfiguration', parseClusterConfiguration);
  const kubelet = parsed(maps.kubeletConfig, 'kubelet', parseKubeletConfiguration);
  const kubeProxy = parsed(maps.kubeProxy, 'config.conf', parseKubeProxyConfiguration);
  return {
    ...(cluster === undefined ? {} : { cluster }),
    ...(kubelet === undefined ? {} : { kubelet }),
    ...(kubeProxy === undefined ? {} : { kubeProxy }),
    present: { kubeadmConfig: maps.kubeadmConfig !== undefined, kubeletConfig: maps.kubeletConfig !== undefined, kubeProxy: maps.kubeProxy !== undefined },
    problems,
  };
}

export async function readKubeadmConfigMaps(connection: ApiConnection, signal?: AbortSignal): Promise<KubeadmConfigMaps> {
  const refused: string[] = [];
  const read = async (name: string): Promise<ConfigMap | undefined> => {
    try {
      return await getJson<ConfigMap>(connection, `/api/v1/namespaces/${KUBE_SYSTEM}/configmaps/${name}`, signal);
    } catch (error) {
      if (error instanceof ReadError && error.status === 404) return undefined;
      refused.push(`ConfigMap ${KUBE_SYSTEM}/${name} could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const [kubeadmConfig, kubeletConfig, kubeProxy] = await Promise.all([read(KUBEADM_CONFIG), read(KUBELET_CONFIG), read(KUBE_PROXY_CONFIG)]);
  return {
    ...(kubeadmConfig === undefined ? {} : { kubeadmConfig }),
    ...(kubeletConfig === undefined ? {} : { kubeletConfig }),
    ...(kubeProxy === undefined ? {} : { kubeProxy }),
    refused,
  };
}

export async function readKubeadm(connection: ApiConnection, signal?: AbortSignal): Promise<KubeadmView> {
  return kubeadmView(await readKubeadmConfigMaps(connection, signal));
}

// What kubeadm-config says, as evidence lines.
export function clusterConfigurationLines(cluster: ClusterConfiguration): string[] {
  return [
    `ClusterConfiguration ${cluster.apiVersion ?? '(no apiVersion)'}: kubernetesVersion ${cluster.kubernetesVersion ?? '(unset)'}`,
    `imageRepository ${cluster.imageRepository ?? '(unset: registry.k8s.io)'}; controlPlaneEndpoint ${cluster.controlPlaneEndpoint ?? '(unset)'}`,
    `networking: podSubnet ${cluster.podSubnet ?? '(unset)'}, serviceSubnet ${cluster.serviceSubnet ?? '(unset)'}, dnsDomain ${cluster.dnsDomain ?? '(unset)'}`,
    `etcd: ${cluster.etcd.kind === 'local' ? 'local (a static pod on every control-plane node)' : `external (${cluster.etcd.endpoints.join(', ') || 'no endpoints'})`}; certificatesDir ${cluster.certificatesDir ?? '(unset: /etc/kubernetes/pki)'}`,
  ];
}

// A pod as the API returns it, with the fields the kubeadm readers use.
export interface PodJson {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { nodeName?: string; containers?: { name: string; image?: string; command?: string[]; args?: string[] }[] };
  status?: {
    phase?: string;
    startTime?: string;
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: Termination };
      lastState?: { terminated?: Termination };
    }[];
  };
}

interface Termination {
  reason?: string;
  exitCode?: number;
  message?: string;
  finishedAt?: string;
}

export interface StaticPod {
  name: string;
  node: string;
  component: ControlPlaneComponent;
  image: string;
  // The image tag, when the image has one.
  version?: string;
  // --name=value flags of the first container's command and args (a bare --flag is "true").
  flags: Map<string, string>;
  ready: boolean;
  restartCount: number;
  waitingReason?: string;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string; message?: string };
  // When the kubelet started the pod (status.startTime).
  startedAt?: string;
  annotations: Record<string, string>;
}

export function flagsOf(words: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const word of words) {
    if (!word.startsWith('--')) continue;
    const eq = word.indexOf('=');
    if (eq < 0) flags.set(word.slice(2), 'true');
    else flags.set(word.slice(2, eq), word.slice(eq + 1));
  }
  return flags;
}

function componentOf(pod: PodJson): ControlPlaneComponent | undefined {
  const label = pod.metadata.labels?.component ?? '';
  if ((CONTROL_PLANE_COMPONENTS as readonly string[]).includes(label)) return label as ControlPlaneComponent;
  const node = pod.spec?.nodeName;
  return CONTROL_PLANE_COMPONENTS.find((c) => node !== undefined && pod.metadata.name === `${c}-${node}`);
}

// The control-plane mirror pods in kube-system: a kubernetes.io/config.mirror annotation (the
// kubelet runs it from a file) and a control-plane component by its label (or its name
// <component>-<node>). An ordinary pod that happens to carry component=kube-apiserver is not one.
export function staticPodsOf(pods: readonly PodJson[]): StaticPod[] {
  const found: StaticPod[] = [];
  for (const pod of pods) {
    const annotations = pod.metadata.annotations ?? {};
    if (annotations[MIRROR_ANNOTATION] === undefined) continue;
    if ((pod.metadata.namespace ?? KUBE_SYSTEM) !== KUBE_SYSTEM) continue;
    const component = componentOf(pod);
    if (component === undefined) continue;
    const container = pod.spec?.containers?.[0];
    const status = pod.status?.containerStatuses?.find((s) => s.name === container?.name) ?? pod.status?.containerStatuses?.[0];
    const last = status?.lastState?.terminated;
    const image = container?.image ?? '';
    const version = imageTag(image);
    const waiting = status?.state?.waiting?.reason;
    found.push({
      name: pod.metadata.name,
      node: pod.spec?.nodeName ?? pod.metadata.ownerReferences?.find((o) => o.kind === 'Node')?.name ?? '?',
      component,
      image,
      ...(version === undefined ? {} : { version }),
      flags: flagsOf([...(container?.command ?? []), ...(container?.args ?? [])]),
      ready: status?.ready === true,
      restartCount: status?.restartCount ?? 0,
      ...(waiting === undefined ? {} : { waitingReason: waiting }),
      ...(pod.status?.startTime === undefined ? {} : { startedAt: pod.status.startTime }),
      ...(last === undefined
        ? {}
        : {
            lastTermination: {
              ...(last.reason === undefined ? {} : { reason: last.reason }),
              ...(last.exitCode === undefined ? {} : { exitCode: last.exitCode }),
              ...(last.finishedAt === undefined ? {} : { finishedAt: last.finishedAt }),
              ...(last.message === undefined ? {} : { message: last.message.slice(0, 300) }),
            },
          }),
      annotations,
    });
  }
  return found.sort((a, b) => a.component.localeCompare(b.component) || a.node.localeCompare(b.node));
}

export const NO_STATIC_PODS =
  'no control-plane mirror pods in kube-system (a control-plane component with the kubernetes.io/config.mirror annotation): the control plane runs as host processes or is managed by the provider, so there is no static pod to read';

export const NOT_KUBEADM = `no ConfigMap ${KUBE_SYSTEM}/${KUBEADM_CONFIG}: the cluster was not built with kubeadm (or its configuration was removed)`;

// "v1.34.4+k3s1" and "1.34.4" -> "1.34.4": versions compared as kubeadm writes them.
export const plainVersion = (version: string): string => version.trim().replace(/^v/, '').split('+')[0] ?? '';
