// Agent configuration, read once from the environment at start; a bad value stops the agent
// with one line naming the variable. Variables, with their defaults:
//   HTTP_PORTS      8080,8081,8082   HTTP echo ports; the first one also serves the API
//   TCP_ECHO_PORT   9000
//   UDP_ECHO_PORT   9001
//   LISTEN_ADDRESS  (all addresses)
//   READY           true             what /healthz answers at start
//   AGENT_TOKEN_FILE (required)      the file holding the run's API token (a mounted Secret); the
//                                    agent will not start without a usable token, never serves open
//   POD_NAME (the hostname), POD_NAMESPACE, NODE_NAME, POD_IP: set by the downward API
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { TokenError, parseToken } from './auth.ts';
import type { Identity } from './protocol.ts';

export interface AgentConfig {
  identity: Identity;
  /** HTTP echo ports; the first one also serves the API. */
  httpPorts: number[];
  tcpPort: number;
  udpPort: number;
  /** Bind every server to this address only; all addresses when absent. */
  listenAddress?: string;
  /** Whether /healthz answers 200 at start; PUT /v1/readiness changes it later. */
  ready: boolean;
  /** The run's token: every API request must carry it. */
  token: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly code = 'AGENT_CONFIG';
  readonly variable: string;

  constructor(variable: string, value: string, problem: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

const DEFAULTS = {
  HTTP_PORTS: '8080,8081,8082',
  TCP_ECHO_PORT: '9000',
  UDP_ECHO_PORT: '9001',
  READY: 'true',
} as const;

function setting(env: Env, variable: keyof typeof DEFAULTS): string {
  return env[variable] ?? DEFAULTS[variable];
}

function parsePort(variable: string, value: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ConfigError(variable, value, `"${text}" is not a port number`);
  const port = Number(text);
  if (port < 1024 || port > 65535) {
    throw new ConfigError(variable, value, `port ${port} is outside 1024-65535 (the agent runs without privileges)`);
  }
  return port;
}

function parsePortList(env: Env): number[] {
  const value = setting(env, 'HTTP_PORTS');
  const ports = value.split(',').map((part) => parsePort('HTTP_PORTS', value, part.trim()));
  const repeated = ports.find((port, index) => ports.indexOf(port) !== index);
  if (repeated !== undefined) throw new ConfigError('HTTP_PORTS', value, `port ${repeated} is listed twice`);
  return ports;
}

function parseEchoPort(env: Env, variable: 'TCP_ECHO_PORT' | 'UDP_ECHO_PORT'): number {
  const value = setting(env, variable);
  return parsePort(variable, value, value.trim());
}

function parseBoolean(env: Env, variable: 'READY'): boolean {
  const value = setting(env, variable);
  if (value !== 'true' && value !== 'false') throw new ConfigError(variable, value, 'must be true or false');
  return value === 'true';
}

function parseAddress(env: Env, variable: string): string | undefined {
  const value = env[variable];
  if (value === undefined || value === '') return undefined;
  if (isIP(value) === 0) throw new ConfigError(variable, value, 'is not an IP address');
  return value;
}

function readToken(env: Env, readFile: (path: string) => string): string {
  const path = env.AGENT_TOKEN_FILE ?? '';
  if (path === '') throw new ConfigError('AGENT_TOKEN_FILE', path, "is not set: the agent refuses to serve its API without the run's token");
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError('AGENT_TOKEN_FILE', path, `cannot be read (${code}): is the run's token Secret mounted?`);
  }
  try {
    return parseToken(text, path);
  } catch (error) {
    if (error instanceof TokenError) throw new ConfigError('AGENT_TOKEN_FILE', path, error.message);
    throw error;
  }
}

/** Reads the configuration; throws ConfigError naming the variable when a value is bad. */
export function loadConfig(env: Env, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): AgentConfig {
  const httpPorts = parsePortList(env);
  const tcpPort = parseEchoPort(env, 'TCP_ECHO_PORT');
  if (httpPorts.includes(tcpPort)) {
    throw new ConfigError('TCP_ECHO_PORT', setting(env, 'TCP_ECHO_PORT'), `port ${tcpPort} is already one of HTTP_PORTS`);
  }
  return {
    identity: {
      pod: env.POD_NAME || hostname(),
      namespace: env.POD_NAMESPACE ?? '',
      node: env.NODE_NAME ?? '',
      podIP: parseAddress(env, 'POD_IP') ?? '',
    },
    httpPorts,
    tcpPort,
    udpPort: parseEchoPort(env, 'UDP_ECHO_PORT'),
    listenAddress: parseAddress(env, 'LISTEN_ADDRESS'),
    ready: parseBoolean(env, 'READY'),
    token: readToken(env, readFile),
  };
}
