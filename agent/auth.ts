// Who may use the agent's API: only the run that made the pod, which proves it by the run's token
// (a Secret of the run, mounted into the pod). The echo ports stay open to anyone; they are what
// Services target. The token is compared in constant time and never logged or echoed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The API port also serves this prefix, and every request under it needs the token. */
export const API_PREFIX = '/v1/';
/**
 * Where the token may travel besides `Authorization: Bearer`: the API server's pod proxy consumes
 * the Authorization header (it authenticates the caller with it and drops it), so calls through
 * the proxy carry the token in this header instead.
 */
export const TOKEN_HEADER = 'x-shakedown-agent-token';
/** Shortest token the agent accepts: a guessable token is no token. */
export const MIN_TOKEN_LENGTH = 32;

export class TokenError extends Error {
  readonly code = 'AGENT_TOKEN';

  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Checks a token read from the Secret; throws TokenError saying what is wrong (never the token). */
export function parseToken(text: string, source: string): string {
  const token = text.trim();
  if (token === '') throw new TokenError(`the API token in ${source} is empty: the agent refuses to serve its API without one`);
  if (token.length < MIN_TOKEN_LENGTH) throw new TokenError(`the API token in ${source} has ${token.length} characters, fewer than ${MIN_TOKEN_LENGTH}`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new TokenError(`the API token in ${source} holds characters other than printable ASCII`);
  return token;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The token a request carries, from `Authorization: Bearer T` or the proxy header; undefined when none. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  const bearer = authorization === undefined ? undefined : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
  if (bearer !== undefined) return bearer;
  const header = headers[TOKEN_HEADER];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** A checker for one token: both sides are hashed first, so the comparison runs on equal lengths. */
export function tokenChecker(token: string): (headers: IncomingHttpHeaders) => boolean {
  const expected = digest(parseToken(token, 'the agent configuration'));
  return (headers) => {
    const presented = presentedToken(headers);
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}
