// A scripted stand-in for the API server on 127.0.0.1, over TLS with the agent's test certificate
// (server name shop.example), for tests of the connection, preflight and the CLI. Unit tests only.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_CERT, TEST_KEY } from '../../../agent/testing/tls.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

// Answers a request, or returns undefined to leave it to the built-in routes.
export type Handler = (request: RecordedRequest) => Answer | undefined | Promise<Answer | undefined>;

export interface FakeApiServerOptions {
  version?: string;
  // Permissions refused by SelfSubjectAccessReview, as "verb resource[/subresource]" or "verb /url".
  denied?: string[];
  // The status of a SelfSubjectRulesReview for a namespace (resourceRules, nonResourceRules,
  // incomplete). Without it the review is not served (404), and preflight asks access reviews only.
  rules?: (namespace: string) => unknown;
  // Answered with this status for every request (e.g. 401).
  status?: number;
  nodes?: unknown[];
  handler?: Handler;
}

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  kubeconfigPath: string;
  close(): Promise<void>;
}

export const READY_NODE = {
  metadata: { name: 'node1' },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.11' }] },
};

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer({ key: TEST_KEY, cert: TEST_CERT }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answered = async () =>
        options.status === undefined
          ? ((await options.handler?.(recorded)) ?? route(recorded, options))
          : { status: options.status, body: status(options.status) };
      answered().then(
        (answer) => {
          res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json' });
          res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
        },
        (error: unknown) => {
          // A handler that throws is a bug in the test: answer 500 with it rather than hang the client.
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake API server handler failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'sd-fake-api-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, fakeKubeconfig(url));
  return {
    url,
    requests,
    kubeconfigPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined),
  };
}

export function fakeKubeconfig(server: string, token = 'test-token'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(TEST_CERT).toString('base64')}`,
    '    tls-server-name: shop.example',
    'users:',
    '- name: tester',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: fake',
    '  context: {cluster: fake, user: tester}',
    'current-context: fake',
    '',
  ].join('\n');
}

function route(request: RecordedRequest, options: FakeApiServerOptions): Answer {
  if (request.method === 'GET' && request.path === '/version') return { status: 200, body: { gitVersion: options.version ?? 'v1.34.4' } };
  if (request.method === 'GET' && request.path.startsWith('/api/v1/nodes'))
    return { status: 200, body: { kind: 'NodeList', items: options.nodes ?? [READY_NODE] } };
  if (request.method === 'POST' && request.path.startsWith('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')) {
    const review = JSON.parse(request.body) as {
      spec: { resourceAttributes?: { verb: string; resource: string; subresource?: string }; nonResourceAttributes?: { verb: string; path: string } };
    };
    const { resourceAttributes: attributes, nonResourceAttributes: url } = review.spec;
    const name =
      url !== undefined
        ? `${url.verb} ${url.path}`
        : `${attributes?.verb} ${attributes?.resource}${attributes?.subresource ? `/${attributes.subresource}` : ''}`;
    const allowed = !(options.denied ?? []).includes(name);
    return { status: 201, body: { ...review, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule' }) } } };
  }
  if (request.method === 'POST' && request.path.startsWith('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews') && options.rules !== undefined) {
    const review = JSON.parse(request.body) as { spec: { namespace: string } };
    return { status: 201, body: { ...review, status: options.rules(review.spec.namespace) } };
  }
  return { status: 404, body: status(404) };
}

function status(code: number): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message: code === 401 ? 'Unauthorized' : `fake API server: HTTP ${code}` };
}
