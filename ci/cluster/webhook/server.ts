// The local cluster's own admission webhook: an HTTPS server that allows every AdmissionReview it
// is sent, so the certificates suite has a real webhook, with a caBundle, to dial and verify. Run
// by node (type stripping) from a ConfigMap in the node image; node: imports only.
//   node server.ts CERT KEY PORT
import { readFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

interface AdmissionReview {
  apiVersion?: string;
  request?: { uid?: string };
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  if (request.method === 'GET' && request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (request.method !== 'POST') {
    response.writeHead(405).end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > 4 * 1024 * 1024) request.destroy();
    else chunks.push(chunk);
  });
  request.on('end', () => {
    let review: AdmissionReview = {};
    try {
      review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('not JSON\n');
      return;
    }
    const body = {
      apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: review.request?.uid ?? '', allowed: true },
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}

const [certPath, keyPath, portText] = process.argv.slice(2);
if (certPath === undefined || keyPath === undefined) {
  console.error('usage: node server.ts CERT KEY [PORT]');
  process.exit(2);
}
const options: ServerOptions = { cert: readFileSync(certPath), key: readFileSync(keyPath) };
const port = Number(portText ?? '8443');
const server = createServer(options, answer);
server.listen(port, () => {
  const address = server.address();
  console.log(`shakedown webhook serving on :${typeof address === 'object' && address !== null ? address.port : port}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
