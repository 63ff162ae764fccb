// What suites read from the API server as plain JSON through the run's rate-limited connection (the
// typed clients do not cover admissionregistration, apiregistration or apiextensions), and the
// shapes of what they read: webhook configurations, APIServices, CRDs, CSRs, Services, EndpointSlices.
import type { ApiConnection } from '../../helpers/kube/connection.ts';

export class ReadError extends Error {
  override readonly name = 'ReadError';
  readonly status: number;

  constructor(path: string, status: number, text: string) {
    super(`GET ${path}: HTTP ${status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
    this.status = status;
  }
}

export async function getJson<T>(connection: ApiConnection, path: string, signal?: AbortSignal): Promise<T> {
  const response = await connection.send({ method: 'GET', path, timeoutMs: 15_000, ...(signal === undefined ? {} : { signal }) });
  if (response.status !== 200) throw new ReadError(path, response.status, response.text);
  return JSON.parse(response.text) as T;
}

/** A list, or undefined when the resource does not exist on this cluster (404: no such API). */
export async function listOrAbsent<T>(connection: ApiConnection, path: string, signal?: AbortSignal): Promise<T[] | undefined> {
  try {
    return (await getJson<{ items?: T[] }>(connection, path, signal)).items ?? [];
  } catch (error) {
    if (error instanceof ReadError && error.status === 404) return undefined;
    throw error;
  }
}

export interface Meta {
  name: string;
  namespace?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ServiceReference {
  namespace: string;
  name: string;
  path?: string;
  port?: number;
}

export interface ClientConfig {
  service?: ServiceReference;
  url?: string;
  caBundle?: string;
}

export interface WebhookConfiguration {
  metadata: Meta;
  webhooks?: { name: string; clientConfig: ClientConfig; failurePolicy?: 'Fail' | 'Ignore' }[];
}

export interface ApiService {
  metadata: Meta;
  spec: { service?: ServiceReference; caBundle?: string; insecureSkipTLSVerify?: boolean; group?: string; version?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface Crd {
  metadata: Meta;
  spec: { conversion?: { strategy?: string; webhook?: { clientConfig?: ClientConfig } } };
}

export interface Csr {
  metadata: Meta;
  spec: { signerName?: string; username?: string };
  status?: { conditions?: { type: string; status?: string }[]; certificate?: string };
}

export interface Service {
  metadata: Meta;
  spec: { type?: string; clusterIP?: string; externalName?: string; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}

export interface EndpointSlice {
  metadata: Meta;
  addressType?: string;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

export interface ConfigMap {
  metadata: Meta;
  data?: Record<string, string>;
}

export const slicesOf = (namespace: string, service: string): string =>
  `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`;

/** Ready endpoint addresses of a Service's slices. */
export function readyAddresses(slices: readonly EndpointSlice[]): string[] {
  return slices.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses));
}
