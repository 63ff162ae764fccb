// What the gate reads beyond plain JSON (suites/lib/api-json.ts): a text resource (the API server's
// /metrics) through the run's rate-limited connection, and the API server's serving chain as the
// runner sees it (one TLS handshake, no request).
import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import type { ApiConnection } from '../../helpers/kube/connection.ts';
import { ReadError } from '../lib/api-json.ts';

export async function getText(connection: ApiConnection, path: string, signal?: AbortSignal): Promise<string> {
  const response = await connection.send({ method: 'GET', path, timeoutMs: 8000, ...(signal === undefined ? {} : { signal }) });
  if (response.status !== 200) throw new ReadError(path, response.status, response.text);
  return response.text;
}

// The chain the API server serves at the kubeconfig's server URL, leaf first.
export function servedChain(server: string, timeoutMs = 3000): Promise<X509Certificate[]> {
  const url = new URL(server);
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: url.hostname,
        port: Number(url.port || 443),
        servername: /^[\d.:]+$/.test(url.hostname) ? undefined : url.hostname,
        rejectUnauthorized: false,
        timeout: timeoutMs,
      },
      () => {
        const chain: X509Certificate[] = [];
        const seen = new Set<string>();
        let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
        while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
          seen.add(cert.fingerprint256);
          chain.push(new X509Certificate(cert.raw));
          cert = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
        }
        socket.end();
        resolve(chain);
      },
    );
    socket.on('timeout', () => socket.destroy(new Error(`TLS handshake with ${url.host} took over ${timeoutMs} ms`)));
    socket.on('error', reject);
  });
}
