// Starts every server of the agent from its configuration and stops them together.
import { createApi } from './api.ts';
import { refusedClass } from './destinations.ts';
import { createHttpEcho } from './echo-http.ts';
import type { Readiness } from './echo-http.ts';
import { createTcpEcho } from './echo-tcp.ts';
import { startUdpEcho } from './echo-udp.ts';
import type { AgentConfig } from './config.ts';
import { startListening } from './listen.ts';
import type { AgentPorts } from './protocol.ts';
import type { MtuPaths } from './mtu.ts';

export interface RunningAgent {
  ports: AgentPorts;
  close(): Promise<void>;
}

export interface AgentOptions {
  log: (line: string) => void;
  resolvConfPath?: string;
  mtuPaths?: MtuPaths;
}

type Stop = () => Promise<void>;

async function stopAll(stops: readonly Stop[]): Promise<void> {
  await Promise.all(stops.map((stop) => stop()));
}

async function startServers(config: AgentConfig, options: AgentOptions, ports: AgentPorts, stops: Stop[]): Promise<void> {
  const readiness: Readiness = { ready: config.ready };
  const { identity, listenAddress } = config;
  // An agent that listens on loopback alone serves only clients on its own host, which reach its
  // loopback and link-local neighbours themselves: refusing those targets would protect nothing (and
  // the runner's tests probe servers on 127.0.0.1 through such agents). In a pod it listens on all.
  const unguardedTargets = listenAddress !== undefined && refusedClass(listenAddress) === 'loopback';
  const api = createApi({
    identity,
    readiness,
    ports,
    resolvConfPath: options.resolvConfPath ?? '/etc/resolv.conf',
    token: config.token,
    unguardedTargets,
    ...(options.mtuPaths === undefined ? {} : { mtuPaths: options.mtuPaths }),
  });
  for (const [index, port] of config.httpPorts.entries()) {
    const server = createHttpEcho({ identity, readiness, api: index === 0 ? api : undefined });
    const listening = await startListening(server, port, listenAddress);
    stops.push(listening.close);
    ports.http.push(listening.port);
    if (index === 0) ports.api = listening.port;
    options.log(`http echo listening on port ${listening.port}${index === 0 ? ', with the API' : ''}`);
  }
  const tcp = await startListening(createTcpEcho(identity.pod), config.tcpPort, listenAddress);
  stops.push(tcp.close);
  ports.tcp = tcp.port;
  options.log(`tcp echo listening on port ${tcp.port}`);
  const udp = await startUdpEcho(identity.pod, config.udpPort, listenAddress);
  stops.push(udp.close);
  ports.udp = udp.port;
  options.log(`udp echo listening on port ${udp.port} at ${udp.addresses.join(', ')}`);
  for (const skipped of udp.skipped) options.log(`udp echo left to the wildcard socket: ${skipped}`);
  options.log(
    unguardedTargets
      ? `probe targets unguarded: listening on ${listenAddress} only`
      : "probe targets: loopback, link-local and metadata addresses refused (allowance: 'pod-nameserver')",
  );
}

export async function startAgent(config: AgentConfig, options: AgentOptions): Promise<RunningAgent> {
  const ports: AgentPorts = { api: 0, http: [], tcp: 0, udp: 0 };
  const stops: Stop[] = [];
  try {
    await startServers(config, options, ports, stops);
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
  return { ports, close: () => stopAll(stops) };
}
