// TLS prober: a handshake only, no request and no credentials. The peer is not verified here (any
// chain is accepted); the runner verifies what was served against the CA that should trust it.
// The result carries the chain as the peer presented it, leaf first, DER in base64.
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { runProbeScope } from './probe-scope.ts';
import type { ProbeContext } from './probe-scope.ts';
import type { ProbeResult, TlsData, TlsTarget } from './protocol.ts';

/** The peer's chain, leaf first, each certificate once (a self-signed root names itself as issuer). */
export function peerChain(socket: TLSSocket): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert !== undefined && cert.raw !== undefined && Object.keys(cert).length > 0) {
    const der = cert.raw.toString('base64');
    if (seen.has(der)) break;
    seen.add(der);
    chain.push(der);
    cert = cert.issuerCertificate as DetailedPeerCertificate | undefined;
  }
  return chain;
}

export function probeTls(target: TlsTarget, context: ProbeContext = {}): Promise<ProbeResult> {
  return runProbeScope(
    target,
    (scope) => {
      // SNI carries names only, never an IP literal.
      const servername = target.servername !== undefined && isIP(target.servername) === 0 ? target.servername : undefined;
      const socket = connect({
        host: target.host,
        port: target.port,
        rejectUnauthorized: false,
        ...(servername === undefined ? {} : { servername }),
        ALPNProtocols: ['h2', 'http/1.1'],
        lookup: scope.lookup,
      });
      scope.onEnd(() => socket.destroy());
      socket.on('secureConnect', () => {
        const tls: TlsData = { chain: peerChain(socket) };
        const protocol = socket.getProtocol();
        if (protocol !== null) tls.protocol = protocol;
        const cipher = socket.getCipher() as { name?: string } | undefined;
        if (cipher?.name !== undefined) tls.cipher = cipher.name;
        const detail =
          tls.chain.length === 0
            ? 'handshake done, but the peer sent no certificate'
            : `handshake done (${tls.protocol ?? 'TLS'}), ${tls.chain.length} certificate(s) served`;
        scope.finish({ outcome: tls.chain.length === 0 ? 'tls-error' : 'ok', detail, tls });
      });
      socket.on('error', (error) => scope.fail(error));
    },
    context,
  );
}
