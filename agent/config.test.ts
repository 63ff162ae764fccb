import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      identity: { pod: hostname(), namespace: '', node: '', podIP: '' },
      httpPorts: [8080, 8081, 8082],
      tcpPort: 9000,
      udpPort: 9001,
      listenAddress: undefined,
      ready: true,
    });
  });

  it('reads the downward API variables, the ports and the switches', () => {
    const config = loadConfig({
      POD_NAME: 'probe-a',
      POD_NAMESPACE: 'sd-1',
      NODE_NAME: 'node-2',
      POD_IP: '10.244.1.7',
      HTTP_PORTS: '8443, 9443',
      TCP_ECHO_PORT: '7000',
      UDP_ECHO_PORT: '7001',
      LISTEN_ADDRESS: '::1',
      READY: 'false',
    });
    expect(config).toEqual({
      identity: { pod: 'probe-a', namespace: 'sd-1', node: 'node-2', podIP: '10.244.1.7' },
      httpPorts: [8443, 9443],
      tcpPort: 7000,
      udpPort: 7001,
      listenAddress: '::1',
      ready: false,
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
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.code).toBe('AGENT_CONFIG');
    expect(error.message).toMatch(new RegExp(`^invalid ${variable}=`));
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });
});
