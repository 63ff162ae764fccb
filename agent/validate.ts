// Validation of request bodies. Every rejection names the field, e.g. `targets[3].port`,
// so a bad batch from the runner is fixed from the 400 message alone.
import {
  API_VERSION,
  DNS_ALLOWANCES,
  DNS_QUERY_TYPES,
  MAX_CONCURRENCY,
  MAX_PAYLOAD_CHARS,
  MAX_TCP_SIZE,
  MAX_UDP_SIZE,
  MAX_TARGETS,
  MAX_TIMEOUT_MS,
} from './protocol.ts';
import { NAMESERVER_PORT } from './destinations.ts';
import type { DnsTarget, HttpTarget, ProbeRequest, ProbeTarget, ReadinessRequest, TcpTarget, TlsTarget, UdpTarget } from './protocol.ts';

export class ValidationError extends Error {
  readonly code = 'AGENT_BAD_REQUEST';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

type Fields = Record<string, unknown>;
type Parse<T> = (value: unknown, field: string) => T;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;
const METHOD = /^[A-Z]{1,16}$/;

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function record(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field === '' ? 'body' : field, 'must be a JSON object');
  }
  return value as Fields;
}

function onlyKeys(fields: Fields, allowed: readonly string[], field: string): void {
  const stranger = Object.keys(fields).find((key) => !allowed.includes(key));
  if (stranger !== undefined) throw new ValidationError(join(field, stranger), 'is not a known field');
}

function required<T>(fields: Fields, key: string, field: string, parse: Parse<T>): T {
  const value = fields[key];
  if (value === undefined) throw new ValidationError(join(field, key), 'is required');
  return parse(value, join(field, key));
}

function optional<T>(fields: Fields, key: string, field: string, parse: Parse<T>): T | undefined {
  const value = fields[key];
  return value === undefined ? undefined : parse(value, join(field, key));
}

function text(maxChars: number, pattern?: RegExp): Parse<string> {
  return (value, field) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > maxChars) {
      throw new ValidationError(field, `must be a non-empty string of at most ${maxChars} characters`);
    }
    if (pattern !== undefined && !pattern.test(value)) throw new ValidationError(field, `must match ${pattern}`);
    return value;
  };
}

function integer(min: number, max: number): Parse<number> {
  return (value, field) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return (value, field) => {
    if (!values.includes(value as T)) throw new ValidationError(field, `must be one of ${values.join(', ')}`);
    return value as T;
  };
}

const boolean: Parse<boolean> = (value, field) => {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be true or false');
  return value;
};

function payload(allowNewline: boolean): Parse<string> {
  return (value, field) => {
    if (typeof value !== 'string' || value.length > MAX_PAYLOAD_CHARS) {
      throw new ValidationError(field, `must be a string of at most ${MAX_PAYLOAD_CHARS} characters`);
    }
    if (!allowNewline && value.includes('\n')) throw new ValidationError(field, 'must be a single line');
    return value;
  };
}

const httpUrl: Parse<string> = (value, field) => {
  const url = URL.parse(text(2048)(value, field));
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ValidationError(field, 'must be an absolute http:// or https:// URL');
  }
  return url.href;
};

const headers: Parse<Record<string, string>> = (value, field) => {
  const fields = record(value, field);
  for (const [name, headerValue] of Object.entries(fields)) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(join(field, name), 'is not a valid header name');
    if (typeof headerValue !== 'string' || !HEADER_VALUE.test(headerValue)) {
      throw new ValidationError(join(field, name), 'must be a string without line breaks');
    }
  }
  return fields as Record<string, string>;
};

const host = text(253);
const port = integer(1, 65535);
const timeoutMs = integer(1, MAX_TIMEOUT_MS);

function httpTarget(fields: Fields, field: string): HttpTarget {
  onlyKeys(fields, ['kind', 'id', 'timeoutMs', 'url', 'method', 'headers', 'hostHeader', 'tlsInsecure'], field);
  return {
    kind: 'http',
    id: required(fields, 'id', field, text(256)),
    timeoutMs: required(fields, 'timeoutMs', field, timeoutMs),
    url: required(fields, 'url', field, httpUrl),
    method: optional(fields, 'method', field, text(16, METHOD)),
    headers: optional(fields, 'headers', field, headers),
    hostHeader: optional(fields, 'hostHeader', field, text(300, /^\S+$/)),
    tlsInsecure: optional(fields, 'tlsInsecure', field, boolean),
  };
}

function echoTarget<K extends 'tcp' | 'udp'>(kind: K, fields: Fields, field: string) {
  onlyKeys(fields, ['kind', 'id', 'timeoutMs', 'host', 'port', 'payload', 'size', ...(kind === 'tcp' ? ['connectOnly'] : [])], field);
  return {
    kind,
    id: required(fields, 'id', field, text(256)),
    timeoutMs: required(fields, 'timeoutMs', field, timeoutMs),
    host: required(fields, 'host', field, host),
    port: required(fields, 'port', field, port),
    payload: optional(fields, 'payload', field, payload(kind === 'udp')),
    size: optional(fields, 'size', field, integer(1, kind === 'udp' ? MAX_UDP_SIZE : MAX_TCP_SIZE)),
    ...(kind === 'tcp' ? { connectOnly: optional(fields, 'connectOnly', field, boolean) } : {}),
  };
}

// A pod's nameservers answer on port 53 (resolv.conf names no port): the allowance opens nothing else.
function dnsTarget(fields: Fields, field: string): DnsTarget {
  onlyKeys(
    fields,
    ['kind', 'id', 'timeoutMs', 'server', 'port', 'name', 'type', 'transport', 'recursionDesired', 'tcpOnTruncation', 'udpSize', 'allow'],
    field,
  );
  const allow = optional(fields, 'allow', field, oneOf(DNS_ALLOWANCES));
  if (allow === 'pod-nameserver' && fields.port !== undefined && fields.port !== NAMESERVER_PORT) {
    throw new ValidationError(join(field, 'port'), `must be ${NAMESERVER_PORT} (or absent) with allow 'pod-nameserver': a pod's nameservers answer there`);
  }
  return {
    kind: 'dns',
    id: required(fields, 'id', field, text(256)),
    timeoutMs: required(fields, 'timeoutMs', field, timeoutMs),
    server: required(fields, 'server', field, host),
    port: optional(fields, 'port', field, port),
    name: required(fields, 'name', field, text(253)),
    type: required(fields, 'type', field, oneOf(DNS_QUERY_TYPES)),
    transport: required(fields, 'transport', field, oneOf(['udp', 'tcp'] as const)),
    recursionDesired: optional(fields, 'recursionDesired', field, boolean),
    tcpOnTruncation: optional(fields, 'tcpOnTruncation', field, boolean),
    udpSize: optional(fields, 'udpSize', field, integer(512, 65535)),
    ...(allow === undefined ? {} : { allow }),
  };
}

function tlsTarget(fields: Fields, field: string): TlsTarget {
  onlyKeys(fields, ['kind', 'id', 'timeoutMs', 'host', 'port', 'servername'], field);
  return {
    kind: 'tls',
    id: required(fields, 'id', field, text(256)),
    timeoutMs: required(fields, 'timeoutMs', field, timeoutMs),
    host: required(fields, 'host', field, host),
    port: required(fields, 'port', field, port),
    servername: optional(fields, 'servername', field, text(253, /^[A-Za-z0-9*][A-Za-z0-9.*-]*$/)),
  };
}

const target: Parse<ProbeTarget> = (value, field) => {
  const fields = record(value, field);
  const kind = required(fields, 'kind', field, oneOf(['http', 'tcp', 'udp', 'dns', 'tls'] as const));
  switch (kind) {
    case 'http':
      return httpTarget(fields, field);
    case 'tcp':
      return echoTarget(kind, fields, field) satisfies TcpTarget;
    case 'udp':
      return echoTarget(kind, fields, field) satisfies UdpTarget;
    case 'dns':
      return dnsTarget(fields, field);
    case 'tls':
      return tlsTarget(fields, field);
  }
};

const targets: Parse<ProbeTarget[]> = (value, field) => {
  if (!Array.isArray(value) || value.length > MAX_TARGETS) {
    throw new ValidationError(field, `must be an array of at most ${MAX_TARGETS} targets`);
  }
  return value.map((item: unknown, index) => target(item, join(field, index)));
};

/** Checks a `POST /v1/probe` body; throws ValidationError naming the first bad field. */
export function parseProbeRequest(body: unknown): ProbeRequest {
  const fields = record(body, '');
  onlyKeys(fields, ['apiVersion', 'concurrency', 'targets'], '');
  return {
    apiVersion: required(fields, 'apiVersion', '', oneOf([API_VERSION])),
    concurrency: optional(fields, 'concurrency', '', integer(1, MAX_CONCURRENCY)),
    targets: required(fields, 'targets', '', targets),
  };
}

/** Checks a `PUT /v1/readiness` body. */
export function parseReadinessRequest(body: unknown): ReadinessRequest {
  const fields = record(body, '');
  onlyKeys(fields, ['ready'], '');
  return { ready: required(fields, 'ready', '', boolean) };
}
