// What the NodePort checks share: the addresses of every node, a NodePort Service of the run, a
// chosen free nodePort, what each node is expected to do, and the likely cause of each way a node
// can fail. Pure functions here are unit-tested in nodeport.test.ts.
import { isIP } from 'node:net';
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { ProbeResult } from '../../agent/protocol.ts';
import { describeResult } from '../../helpers/probe/expectations.ts';
import type { Classification } from '../../helpers/result.ts';
import type { RunnerReach } from './manifest.ts';

export interface NodeAddress {
  node: string;
  type: 'InternalIP' | 'ExternalIP';
  address: string;
}

// InternalIP and ExternalIP of every node, IP literals only (a hostname is not a NodePort address).
export function nodeAddresses(nodes: readonly V1Node[]): NodeAddress[] {
  return nodes.flatMap((node) =>
    (node.status?.addresses ?? [])
      .filter((a): a is { type: NodeAddress['type']; address: string } => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address) !== 0)
      .map((a) => ({ node: node.metadata?.name ?? '?', type: a.type, address: a.address })),
  );
}

export function addressLabel(address: NodeAddress): string {
  return `${address.node}/${address.type === 'InternalIP' ? 'int' : 'ext'}`;
}

export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export function nodePortOf(service: V1Service, portName: string): number {
  return service.spec?.ports?.find((p) => p.name === portName)?.nodePort ?? 0;
}

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

// A nodePort no Service of the cluster uses; the API server still has the last word (422 on a clash).
export function freeNodePort(used: ReadonlySet<number>, random: () => number = Math.random): number {
  const size = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
  const start = Math.floor(random() * size);
  for (let i = 0; i < size; i++) {
    const port = NODE_PORT_RANGE.min + ((start + i) % size);
    if (!used.has(port)) return port;
  }
  throw new Error('every port of the NodePort range is allocated');
}

// What one node should do for a probe: answer from one of these pods (and container port), or stay silent.
export type NodeExpectation = { answer: true; pods: readonly string[]; port: number; clientIP?: string } | { answer: false };

export interface NodeVerdict {
  ok: boolean;
  classification: Classification;
  // "expected ..., saw ..." for a report.
  line: string;
}

function answered(result: ProbeResult | undefined): boolean {
  return result?.outcome === 'ok' || result?.outcome === 'http-status';
}

function seen(result: ProbeResult | undefined): string {
  const echo = result?.http?.echo;
  if (result?.outcome === 'ok' && echo !== undefined) return `an answer from ${echo.pod} port ${echo.port}, client IP ${echo.clientIP}`;
  if (result?.outcome === 'ok' && result.reply !== undefined) return `an answer from ${result.reply.pod}`;
  return describeResult(result);
}

// Judges one probe of a node address against what that node should do.
export function judgeNode(where: string, expected: NodeExpectation, result: ProbeResult | undefined): NodeVerdict {
  if (!expected.answer) {
    const ok = !answered(result);
    return { ok, classification: 'mismatch', line: `${where}: expected no answer, saw ${seen(result)}` };
  }
  const wanted = `an answer from ${expected.pods.join(' or ')} port ${expected.port}${expected.clientIP === undefined ? '' : ` seeing client IP ${expected.clientIP}`}`;
  if (result?.outcome !== 'ok') return { ok: false, classification: result === undefined ? 'error' : result.outcome === 'http-status' ? 'http-status' : result.outcome === 'protocol-error' ? 'error' : result.outcome, line: `${where}: expected ${wanted}, saw ${seen(result)}` };
  const pod = result.http?.echo?.pod ?? result.reply?.pod;
  const port = result.http?.echo?.port ?? expected.port;
  if (pod === undefined || !expected.pods.includes(pod) || port !== expected.port) return { ok: false, classification: 'wrong-backend', line: `${where}: expected ${wanted}, saw ${seen(result)}` };
  if (expected.clientIP !== undefined && result.http?.echo?.clientIP !== expected.clientIP) return { ok: false, classification: 'mismatch', line: `${where}: expected ${wanted}, saw ${seen(result)}` };
  return { ok: true, classification: 'mismatch', line: `${where}: ${seen(result)}` };
}

// The likely cause for the nodes that failed, by how they failed.
export function nodePortCause(classification: Classification, nodes: readonly string[]): string {
  const which = nodes.join(', ');
  switch (classification) {
    case 'refused':
      return `${which} refused the nodePort: kube-proxy (or the CNI replacing it) is not running there or has not programmed the Service, or its nodePortAddresses excludes the address probed`;
    case 'timeout':
    case 'unreachable':
      return `${which} did not answer on the nodePort: a host firewall (or cloud security group) drops the NodePort range, kube-proxy is not running on that node, or its nodePortAddresses excludes the address probed`;
    case 'wrong-backend':
      return `${which} forwarded the nodePort to the wrong backend or port: stale proxy rules, or targetPort resolved wrongly`;
    case 'mismatch':
      return `${which} did not honour externalTrafficPolicy: Local (source IP not preserved, or a node without a local endpoint still answers): the proxy ignores the policy or masquerades external traffic`;
    default:
      return `${which}: the NodePort data path is broken (kube-proxy on that node)`;
  }
}

export type RunnerDecision = { run: false; reason: string } | { run: true };

// Whether the runner's own probes of node addresses are judged: off skips; auto skips when not one
// node address answered at all (the runner cannot reach the nodes); on always judges.
export function runnerDecision(mode: RunnerReach, results: readonly (ProbeResult | undefined)[]): RunnerDecision {
  if (mode === 'off') return { run: false, reason: 'calls from the runner to node addresses are turned off (--node-port-from-runner off)' };
  if (mode === 'on') return { run: true };
  const reachedSomething = results.some((r) => r !== undefined && (answered(r) || r.outcome === 'refused' || r.outcome === 'reset'));
  if (reachedSomething) return { run: true };
  const how = [...new Set(results.map((r) => describeResult(r).replace(/ after \d+ms/, '')))].join(', ');
  return { run: false, reason: `this machine reaches no node address at all (${how}): typical from outside a private network; --node-port-from-runner on requires it` };
}

export { PROXY_POD, proxyEvidence, proxyPodsText } from '../lib/proxy.ts';
