import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const TOKEN = 'k'.repeat(43);
const TOKEN_ENV = { AGENT_TOKEN_FILE: '/run/token/token' };
// A fake file system holding the token file only.
const readFile = (files: Record<string, string>) => (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
};
const withToken = readFile({ '/run/token/token': `${TOKEN}\n` });

function configError(env: Record<string, string>, read = withToken): ConfigError {
  try {
    loadConfig(env, read);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig(TOKEN_ENV, withToken)).toEqual({
      identity: { pod: hostname(), namespace: '', node: '', podIP: '' },
      httpPorts: [8080, 8081, 8082],
      tcpPort: 9000,
      udpPort: 9001,
      listenAddress: undefined,
      ready: true,
      token: TOKEN,
    });
  });

  it('reads the downward API variables, the ports and the switches', () => {
    const config = loadConfig(
      {
        POD_NAME: 'probe-a',
        POD_NAMESPACE: 'sd-1',
        NODE_NAME: 'node-2',
        POD_IP: '10.244.1.7',
        HTTP_PORTS: '8443, 9443',
        TCP_ECHO_PORT: '7000',
        UDP_ECHO_PORT: '7001',
        LISTEN_ADDRESS: '::1',
        READY: 'false',
        ...TOKEN_ENV,
      },
      withToken,
    );
    expect(config).toEqual({
      identity: { pod: 'probe-a', namespace: 'sd-1', node: 'node-2', podIP: '10.244.1.7' },
      httpPorts: [8443, 9443],
      tcpPort: 7000,
      udpPort: 7001,
      listenAddress: '::1',
      ready: false,
      token: TOKEN,
    });
  });

  it.each([
    [{ HTTP_PORTS: '80' }, 'HTTP_PORTS', 'outside 1024-65535'],
    [{ HTTP_PORTS: '8080,http' }, 'HTTP_PORTS', '"http" is not a port number'],
    [{ HTTP_PORTS: '' }, 'HTTP_PORTS', '"" is not a port number'],
    [{ HTTP_PORTS: '8080,8081,8080' }, 'HTTP_PORTS', 'port 8080 is listed twice'],
    [{ TCP_ECHO_PORT: '70000' }, 'TCP_ECHO_PORT', 'outside 1024-65535'],
    [{ TCP_ECHO_PORT: '8081' }, 'TCP_ECHO_PORT', 'already one of HTTP_PORTS'],
    [{ UDP_ECHO_PORT: '-1' }, 'UDP_ECHO_PORT', 'is not a port number'],
    [{ READY: 'yes' }, 'READY', 'must be true or false'],
    [{ POD_IP: '10.0.0' }, 'POD_IP', 'is not an IP address'],
    [{ LISTEN_ADDRESS: 'localhost' }, 'LISTEN_ADDRESS', 'is not an IP address'],
  ])('rejects %j with a one-line message naming %s', (env, variable, problem) => {
    const error = configError({ ...TOKEN_ENV, ...env });
    expect(error.variable).toBe(variable);
    expect(error.code).toBe('AGENT_CONFIG');
    expect(error.message).toMatch(new RegExp(`^invalid ${variable}=`));
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    ['no token file named', {}, withToken, 'is not set: the agent refuses to serve its API'],
    ['a token file that is not there', TOKEN_ENV, readFile({}), "cannot be read (ENOENT): is the run's token Secret mounted?"],
    ['an empty token', TOKEN_ENV, readFile({ '/run/token/token': '\n' }), 'is empty'],
    ['a short token', TOKEN_ENV, readFile({ '/run/token/token': 'secret' }), 'has 6 characters, fewer than 32'],
    ['a token with spaces inside', TOKEN_ENV, readFile({ '/run/token/token': `${TOKEN} ${TOKEN}` }), 'characters other than printable ASCII'],
  ])('refuses to start with %s, naming AGENT_TOKEN_FILE and never the token', (_what, env, read, problem) => {
    const error = configError(env, read);
    expect(error.variable).toBe('AGENT_TOKEN_FILE');
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain('\n');
  });
});
