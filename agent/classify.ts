// Maps the errors Node raises to the closed set of outcomes the reports show.
import type { Outcome } from './protocol.ts';

export interface Classified {
  outcome: Outcome;
  code?: string;
  detail: string;
}

const BY_CODE: ReadonlyMap<string, Outcome> = new Map<string, Outcome>([
  ['ECONNREFUSED', 'refused'],
  ['ETIMEDOUT', 'timeout'],
  ['ECONNRESET', 'reset'],
  ['EPIPE', 'reset'],
  ['EHOSTUNREACH', 'unreachable'],
  ['ENETUNREACH', 'unreachable'],
  ['EHOSTDOWN', 'unreachable'],
  ['ENETDOWN', 'unreachable'],
  // getaddrinfo failures, for targets given by name rather than address.
  ['ENOTFOUND', 'dns-error'],
  ['EAI_AGAIN', 'dns-error'],
  ['EAI_FAIL', 'dns-error'],
]);

// OpenSSL and Node name handshake and certificate failures in several families:
// ERR_SSL_WRONG_VERSION_NUMBER, ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED,
// DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, EPROTO.
const TLS_CODE = /^ERR_(SSL|TLS)_|CERT|^UNABLE_TO_|^EPROTO$/;
// llhttp parse errors: the peer answered, but not with HTTP.
const PROTOCOL_CODE = /^HPE_/;

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return '';
  return typeof error.code === 'string' ? error.code : '';
}

function outcomeOf(code: string): Outcome {
  const known = BY_CODE.get(code);
  if (known !== undefined) return known;
  if (TLS_CODE.test(code)) return 'tls-error';
  if (PROTOCOL_CODE.test(code)) return 'protocol-error';
  return 'error';
}

export function classifyError(error: unknown): Classified {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const detail = message.split('\n', 1)[0] ?? '';
  return code === '' ? { outcome: 'error', detail } : { outcome: outcomeOf(code), code, detail };
}

/** The error our own deadline raises, classified like a kernel ETIMEDOUT. */
export function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
}

/** The error a cancelled probe ends with: the reason its signal gave, or a plain cancellation. */
export function cancelledError(reason: unknown): Error {
  const why = reason instanceof Error ? reason.message : 'its client went away';
  return Object.assign(new Error(`cancelled: ${why}`), { code: 'ABORT_ERR' });
}
