// An in-memory cluster behind the fake API server: core/v1 objects (namespaces, nodes, pods,
// secrets, configmaps, services, events) that can be created, read, listed (with a label selector),
// merge-patched and deleted over the real HTTP API, so the engine's own clients and connection (and
// its rate limit) run unchanged against it. Pods can be brought to life by a hook (scheduled,
// Ready, an IP). Every request is counted by verb and resource. Unit tests only.
import type { Answer, Handler, RecordedRequest } from './fake-apiserver.ts';

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface FakeCluster {
  handler: Handler;
  // resource -> "namespace/name" (or "name") -> object
  objects: Map<string, Map<string, StoredObject>>;
  // "VERB resource[/subresource]" -> count, e.g. "POST pods", "GET nodes", "PATCH namespaces".
  calls: Map<string, number>;
  totalCalls(): number;
  resetCalls(): void;
  put(resource: string, object: StoredObject): void;
  get(resource: string, name: string, namespace?: string): StoredObject | undefined;
  list(resource: string, namespace?: string): StoredObject[];
  remove(resource: string, name: string, namespace?: string): void;
}

export interface ProxyRequest {
  method: string;
  namespace: string;
  pod: string;
  port: string;
  // Under the pod, e.g. /v1/probe.
  path: string;
  headers: RecordedRequest['headers'];
  body: string;
}

export interface FakeClusterOptions {
  // Called on every pod created; may change it (schedule it, make it Ready).
  onPodCreated?: (pod: StoredObject) => void;
  // Answers the pod proxy (/api/v1/namespaces/NS/pods/NAME:PORT/proxy/...); 503 when absent.
  onProxy?: (request: ProxyRequest) => Answer;
}

const KINDS: Record<string, string> = {
  namespaces: 'Namespace',
  nodes: 'Node',
  pods: 'Pod',
  secrets: 'Secret',
  configmaps: 'ConfigMap',
  services: 'Service',
  events: 'Event',
};

const key = (name: string, namespace?: string) => (namespace === undefined ? name : `${namespace}/${name}`);

function matches(object: StoredObject, selector: string | null): boolean {
  if (selector === null || selector === '') return true;
  const labels = object.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return v === undefined ? k !== undefined && k in labels : labels[k ?? ''] === v;
  });
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null)
      out[k] = merge(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

const status = (code: number, message: string): Answer => ({
  status: code,
  body: {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    message,
    reason: code === 404 ? 'NotFound' : code === 409 ? 'AlreadyExists' : 'BadRequest',
  },
});

export function createFakeCluster(options: FakeClusterOptions = {}): FakeCluster {
  const objects = new Map<string, Map<string, StoredObject>>();
  const calls = new Map<string, number>();
  const store = (resource: string) => {
    let map = objects.get(resource);
    if (map === undefined) objects.set(resource, (map = new Map()));
    return map;
  };

  const cluster: FakeCluster = {
    objects,
    calls,
    totalCalls: () => [...calls.values()].reduce((a, b) => a + b, 0),
    resetCalls: () => calls.clear(),
    put: (resource, object) => void store(resource).set(key(object.metadata?.name ?? '', object.metadata?.namespace), object),
    get: (resource, name, namespace) => store(resource).get(key(name, namespace)),
    list: (resource, namespace) => [...store(resource).values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace),
    remove: (resource, name, namespace) => void store(resource).delete(key(name, namespace)),
    handler: (request: RecordedRequest) => handle(request),
  };

  function handle(request: RecordedRequest): Answer | undefined {
    const url = new URL(request.path, 'https://fake');
    // /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]
    const parts = url.pathname.split('/').filter((p) => p !== '');
    if (parts[0] !== 'api' || parts[1] !== 'v1') return undefined;
    let rest = parts.slice(2);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, sub] = rest;
    if (resource === undefined || !(resource in KINDS)) return undefined;
    const call = `${request.method} ${resource}${sub === undefined ? '' : `/${sub}`}`;
    calls.set(call, (calls.get(call) ?? 0) + 1);
    const map = store(resource);
    if (resource === 'pods' && sub === 'proxy' && namespace !== undefined && name !== undefined) {
      const [pod = '', port = ''] = name.split(':');
      const path = `/${rest.slice(3).join('/')}`;
      if (map.get(key(pod, namespace)) === undefined) return status(404, `pods "${pod}" not found`);
      return (
        options.onProxy?.({ method: request.method, namespace, pod, port, path, headers: request.headers, body: request.body }) ??
        status(503, 'no endpoints available for the pod proxy')
      );
    }
    if (sub === 'log') return { status: 200, body: '' };
    if (namespace !== undefined && resource !== 'namespaces' && store('namespaces').get(namespace) === undefined && request.method === 'POST')
      return status(404, `namespaces "${namespace}" not found`);
    switch (request.method) {
      case 'GET': {
        if (name !== undefined) {
          const found = map.get(key(name, namespace));
          return found === undefined ? status(404, `${resource} "${name}" not found`) : { status: 200, body: found };
        }
        const selector = url.searchParams.get('labelSelector');
        const items = [...map.values()].filter((o) => (namespace === undefined || o.metadata?.namespace === namespace) && matches(o, selector));
        return { status: 200, body: { kind: `${KINDS[resource]}List`, apiVersion: 'v1', metadata: {}, items } };
      }
      case 'POST': {
        const object = JSON.parse(request.body) as StoredObject;
        const objectName = object.metadata?.name ?? '';
        const k = key(objectName, namespace);
        if (map.has(k)) return status(409, `${resource} "${objectName}" already exists`);
        // As the real API server records it: the field manager that set the labels (managedFields).
        const manager = url.searchParams.get('fieldManager');
        const labels = Object.fromEntries(Object.keys(object.metadata?.labels ?? {}).map((label) => [`f:${label}`, {}]));
        const managedFields =
          manager === null
            ? []
            : [{ manager, operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': labels } } }];
        const created: StoredObject = {
          ...object,
          metadata: {
            ...object.metadata,
            ...(namespace === undefined ? {} : { namespace }),
            uid: `uid-${map.size}`,
            creationTimestamp: new Date().toISOString(),
            managedFields,
          },
        };
        if (resource === 'pods') options.onPodCreated?.(created);
        map.set(k, created);
        return { status: 201, body: created };
      }
      case 'PATCH': {
        const found = name === undefined ? undefined : map.get(key(name, namespace));
        if (found === undefined || name === undefined) return status(404, `${resource} "${name}" not found`);
        const patched = merge(found, JSON.parse(request.body) as Record<string, unknown>) as StoredObject;
        map.set(key(name, namespace), patched);
        return { status: 200, body: patched };
      }
      case 'DELETE': {
        if (name === undefined) {
          for (const [k, o] of map) if (namespace === undefined || o.metadata?.namespace === namespace) map.delete(k);
          return { status: 200, body: { kind: 'Status', status: 'Success' } };
        }
        const found = map.get(key(name, namespace));
        if (found === undefined) return status(404, `${resource} "${name}" not found`);
        map.delete(key(name, namespace));
        return { status: 200, body: found };
      }
      default:
        return status(405, `method ${request.method}`);
    }
  }

  return cluster;
}
