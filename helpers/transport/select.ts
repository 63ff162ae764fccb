// Chooses, per agent, how to reach it: the pod proxy when it works, exec when it does not. The
// choice is itself a finding: an API server that cannot reach pods breaks webhooks and aggregated
// APIs, so a fallback to exec is reported as a failed check with that likely cause.
import type { InfoResponse } from '../../agent/protocol.ts';
import { ShakedownError } from '../errors.ts';
import type { CheckResult } from '../result.ts';
import type { TransportChoice } from '../settings.ts';
import type { AgentAddress, ProbeTransport } from './transport.ts';

export type Route = 'proxy' | 'exec';
export type Routes = Record<string, Route>;

export const TRANSPORT_SUITE = 'setup';
export const TRANSPORT_CHECK = 'API server reaches the probe pods (pod proxy)';

export interface SelectOptions {
  choice: TransportChoice;
  agents: readonly AgentAddress[];
  proxy: ProbeTransport;
  exec: ProbeTransport;
  // Whether the credentials may exec into pods.
  canExec: boolean;
  now?: () => number;
}

export interface Selection {
  routes: Routes;
  finding: CheckResult;
  // What each agent answered when it was asked (its identity and resolv.conf), by agent name.
  infos: Record<string, InfoResponse>;
}

// The agent's /v1/info, or why it could not be asked.
async function reachable(transport: ProbeTransport, agent: AgentAddress, infos: Record<string, InfoResponse>): Promise<string | undefined> {
  try {
    infos[agent.name] = await transport.info(agent, { signal: AbortSignal.timeout(20_000) });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function selectRoutes(options: SelectOptions): Promise<Selection> {
  const now = options.now ?? Date.now;
  const started = now();
  const base = { suite: TRANSPORT_SUITE, check: TRANSPORT_CHECK, evidence: [] };
  const infos: Record<string, InfoResponse> = {};
  if (options.choice === 'exec') {
    await requireAll(options.exec, options.agents, 'exec', infos);
    return {
      infos,
      routes: Object.fromEntries(options.agents.map((agent) => [agent.name, 'exec'])),
      finding: { ...base, status: 'skip', durationMs: now() - started, message: 'not tried', skipReason: 'the transport is set to exec (--transport exec)' },
    };
  }
  const proxyErrors = await Promise.all(options.agents.map((agent) => reachable(options.proxy, agent, infos)));
  const failing = options.agents.filter((_agent, index) => proxyErrors[index] !== undefined);
  const durationMs = () => now() - started;
  if (failing.length === 0) {
    return {
      infos,
      routes: Object.fromEntries(options.agents.map((agent) => [agent.name, 'proxy'])),
      finding: { ...base, status: 'pass', durationMs: durationMs(), message: `all ${options.agents.length} probe pods answered through the pod proxy` },
    };
  }
  const proxyEvidence = failing.map((agent) => `${agent.namespace}/${agent.name}: ${proxyErrors[options.agents.indexOf(agent)]}`).join('\n');
  if (options.choice === 'proxy' || !options.canExec) {
    throw new ShakedownError(
      'SD_SETUP_FAILED',
      `the API server cannot reach ${failing.length} of ${options.agents.length} probe pods through the pod proxy${options.canExec ? '' : ', and exec is not allowed'}`,
      {
        details: proxyEvidence,
        hint: options.canExec
          ? 'Use --transport auto to fall back to exec.'
          : 'Grant create on pods/exec for the exec fallback, or fix the path from the API server to the pod network.',
      },
    );
  }
  const execErrors = await Promise.all(failing.map((agent) => reachable(options.exec, agent, infos)));
  const unreachable = failing.filter((_agent, index) => execErrors[index] !== undefined);
  if (unreachable.length > 0) {
    throw new ShakedownError('SD_SETUP_FAILED', `neither the pod proxy nor exec reaches ${unreachable.length} of ${options.agents.length} probe pods`, {
      details: [proxyEvidence, ...unreachable.map((agent) => `${agent.namespace}/${agent.name} by exec: ${execErrors[failing.indexOf(agent)]}`)].join('\n'),
    });
  }
  const failingNames = new Set(failing.map((agent) => agent.name));
  return {
    infos,
    routes: Object.fromEntries(options.agents.map((agent) => [agent.name, failingNames.has(agent.name) ? 'exec' : 'proxy'])),
    finding: {
      ...base,
      status: 'fail',
      classification: 'unreachable',
      durationMs: durationMs(),
      message: `the API server cannot reach ${failing.length} of ${options.agents.length} probe pods through the pod proxy; probes to them go by exec instead`,
      evidence: [{ label: 'pod proxy errors', text: proxyEvidence }],
      likelyCause:
        'the API server has no route to the pod network (e.g. a control plane outside the cluster network, a firewall, or konnectivity down): admission webhooks, aggregated APIs (metrics-server) and kubectl port-forward/proxy to pods will break too',
      reproduce: `kubectl get --raw /api/v1/namespaces/${failing[0]?.namespace}/pods/${failing[0]?.name}:${failing[0]?.ports.api}/proxy/healthz`,
    },
  };
}

async function requireAll(transport: ProbeTransport, agents: readonly AgentAddress[], via: string, infos: Record<string, InfoResponse>): Promise<void> {
  const errors = await Promise.all(agents.map((agent) => reachable(transport, agent, infos)));
  const failed = errors.map((error, index) => (error === undefined ? undefined : `${agents[index]?.name}: ${error}`)).filter((e) => e !== undefined);
  if (failed.length > 0) {
    throw new ShakedownError('SD_SETUP_FAILED', `${via} does not reach ${failed.length} of ${agents.length} probe pods`, { details: failed.join('\n') });
  }
}

// One transport that sends each agent's calls the way its route says.
export function routedTransport(routes: Routes, transports: Record<Route, ProbeTransport>): ProbeTransport {
  const pick = (agent: AgentAddress) => transports[routes[agent.name] ?? 'proxy'];
  const kinds = new Set(Object.values(routes));
  return {
    kind: kinds.size === 1 && kinds.has('exec') ? 'exec' : 'proxy',
    probe: (agent, targets, options) => pick(agent).probe(agent, targets, options),
    info: (agent, options) => pick(agent).info(agent, options),
    setReady: (agent, ready) => pick(agent).setReady(agent, ready),
    close: async () => {
      await Promise.all(Object.values(transports).map((transport) => transport.close()));
    },
  };
}
