// Turns what a call to the API server threw into a typed error: unreachable (naming the server and
// the network error), credentials rejected, or forbidden (naming what was refused).
import { ApiException } from '@kubernetes/client-node';
import { ShakedownError, type ErrorCode } from '../errors.ts';

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response in time',
  UND_ERR_SOCKET: 'connection closed by the other side',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed by the other side',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate not trusted by the kubeconfig CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: certificate chain not trusted by the kubeconfig CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: certificate not signed by the kubeconfig CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: certificate not signed by the kubeconfig CA',
  CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the server certificate does not name this address',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS: the server does not speak TLS on this port',
  TimeoutError: 'no response in time',
  AbortError: 'no response in time',
};

// The errno-like code behind a failure, looking through `cause` chains and AggregateErrors.
export function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    if (typeof current !== 'object') continue;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_REASONS) return code;
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string' && (name === 'TimeoutError' || name === 'AbortError')) return name;
    if (current instanceof AggregateError) queue.push(...current.errors);
    queue.push((current as { cause?: unknown }).cause);
  }
  return undefined;
}

export function describeNetworkCode(code: string): string {
  return `${NETWORK_REASONS[code] ?? code}${code.includes('Error') ? '' : ` (${code})`}`;
}

export interface ApiErrorContext {
  server: string;
  context: string;
  // What was being done, e.g. "list nodes".
  action: string;
}

// The Status message the API server put in an error body, if any.
export function statusMessage(error: ApiException<unknown>): string | undefined {
  const body: unknown = error.body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

export function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

// A typed error for what went wrong talking to the API server; undefined when it is none of those.
export function classifyApiError(error: unknown, ctx: ApiErrorContext): ShakedownError | undefined {
  if (error instanceof ShakedownError) return error;
  if (error instanceof ApiException) {
    const detail = statusMessage(error) ?? `HTTP ${error.code}`;
    if (error.code === 401) {
      return new ShakedownError(
        'SD_KUBECONFIG_INVALID',
        `the API server at ${ctx.server} rejected the credentials of context "${ctx.context}" (401): ${detail}`,
        {
          hint: 'The token or client certificate in the kubeconfig is invalid or expired; log in again or refresh the kubeconfig.',
          cause: error,
        },
      );
    }
    if (error.code === 403) {
      return new ShakedownError('SD_FORBIDDEN', `forbidden to ${ctx.action}: ${detail}`, { cause: error });
    }
    return undefined;
  }
  const code = networkCode(error);
  if (code !== undefined) {
    return new ShakedownError('SD_API_UNREACHABLE', `cannot reach the API server at ${ctx.server} (context "${ctx.context}"): ${describeNetworkCode(code)}`, {
      cause: error,
      ...(code.startsWith('ERR_TLS') || code.includes('CERT')
        ? { hint: 'The kubeconfig CA does not match the server certificate; check certificate-authority-data and the server address.' }
        : {}),
    });
  }
  return undefined;
}

// As classifyApiError, falling back to the given code with the action named.
export function apiError(error: unknown, ctx: ApiErrorContext, fallback: ErrorCode = 'SD_INTERNAL'): ShakedownError {
  return (
    classifyApiError(error, ctx) ??
    new ShakedownError(
      fallback,
      `failed to ${ctx.action}: ${error instanceof ApiException ? (statusMessage(error) ?? `HTTP ${error.code}`) : String((error as Error).message ?? error)}`,
      {
        cause: error,
      },
    )
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
