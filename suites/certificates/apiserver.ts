// The API server as its clients reach it: the kubeconfig's server from the runner (trusting the
// kubeconfig's CA), and the kubernetes Service and each of its endpoints from an agent (trusting
// kube-root-ca.crt, as pods do). What each must cover: the kubeconfig host; the Service IP (what
// in-cluster clients dial) and, as a warning, kubernetes.default.svc.<domain> and the endpoint IPs.
import { isIP } from 'node:net';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { RUNNER, fromName, type Dial, type Dialed } from './dial.ts';
import type { Finding } from './findings.ts';
import { judgeServed, type Trust } from './judge.ts';
import { classificationOf } from './outcome.ts';
import type { Thresholds } from './thresholds.ts';
import { verifyChain } from './verify.ts';

export type ApiRole = 'kubeconfig' | 'service' | 'endpoint' | 'endpoint-from-runner';

export interface ApiServerView {
  server: URL;
  // The kubeconfig's tls-server-name, when it sets one.
  tlsServerName?: string;
  serviceIP: string;
  servicePort: number;
  endpoints: { address: string; port: number }[];
  domain: string;
}

export interface ApiDial extends Dial {
  role: ApiRole;
}

const hostOf = (server: URL): string => server.hostname.replace(/^\[(.*)\]$/, '$1');
const portOf = (server: URL): number => (server.port === '' ? 443 : Number(server.port));
const at = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

// The Service from every given agent (kube-proxy is per node), the endpoints from the first.
export function apiServerDials(view: ApiServerView, agents: readonly ProbeAgent[]): ApiDial[] {
  const host = hostOf(view.server);
  const port = portOf(view.server);
  const sni = view.tlsServerName ?? (isIP(host) === 0 ? host : undefined);
  const dials: ApiDial[] = [
    {
      role: 'kubeconfig',
      where: `API server ${at(host, port)} (kubeconfig server) from the runner`,
      from: RUNNER,
      host,
      port,
      ...(sni === undefined ? {} : { servername: sni }),
    },
  ];
  for (const endpoint of view.endpoints) {
    if (endpoint.address === host && endpoint.port === port) continue;
    dials.push({
      role: 'endpoint-from-runner',
      where: `API server endpoint ${at(endpoint.address, endpoint.port)} from the runner`,
      from: RUNNER,
      host: endpoint.address,
      port: endpoint.port,
    });
  }
  for (const from of agents) {
    const where = `kubernetes Service ${at(view.serviceIP, view.servicePort)} from ${fromName(from)}`;
    dials.push({ role: 'service', where, from, host: view.serviceIP, port: view.servicePort, servername: `kubernetes.default.svc.${view.domain}` });
  }
  const agent = agents[0];
  if (agent !== undefined) {
    for (const endpoint of view.endpoints) {
      dials.push({
        role: 'endpoint',
        where: `API server endpoint ${at(endpoint.address, endpoint.port)} from ${fromName(agent)}`,
        from: agent,
        host: endpoint.address,
        port: endpoint.port,
      });
    }
  }
  return dials;
}

export interface ApiJudgeInput {
  view: ApiServerView;
  podTrust: Trust;
  kubeconfigTrust: Trust;
  now: Date;
  thresholds: Thresholds;
}

export interface ApiJudged {
  findings: Finding[];
  // What was seen, one line a dial, for the log and the pass note.
  lines: string[];
}

export function judgeApiServer(dialed: readonly Dialed[], input: ApiJudgeInput): ApiJudged {
  const findings: Finding[] = [];
  const lines: string[] = [];
  const { view, now, thresholds } = input;
  for (const { dial, result, chain } of dialed) {
    const role = (dial as ApiDial).role;
    if (result.outcome !== 'ok') {
      lines.push(`${dial.where}: ${result.outcome} (${result.detail})`);
      // An endpoint the runner cannot reach is normal (a private control-plane network); pods must reach all.
      if (role === 'endpoint-from-runner') continue;
      findings.push({
        level: 'fail',
        classification: classificationOf(result.outcome),
        where: dial.where,
        message: `the TLS handshake failed: ${result.outcome}${result.code === undefined ? '' : ` ${result.code}`} (${result.detail})`,
        likelyCause:
          role === 'kubeconfig'
            ? 'the kubeconfig names a server that does not answer TLS'
            : 'pods cannot reach the API server: kube-proxy, the pod network, or a firewall in front of the control plane',
      });
      continue;
    }
    const trust = role === 'kubeconfig' || role === 'endpoint-from-runner' ? input.kubeconfigTrust : input.podTrust;
    const names = role === 'kubeconfig' ? [view.tlsServerName ?? hostOf(view.server)] : role === 'service' ? [view.serviceIP] : [];
    const shouldNames =
      role === 'service' ? [`kubernetes.default.svc.${view.domain}`, 'kubernetes.default.svc', 'kubernetes.default'] : role === 'kubeconfig' ? [] : [dial.host];
    const judged = judgeServed({ where: dial.where, chain, trust, names, shouldNames, now, thresholds });
    findings.push(...judged.findings);
    const leaf = chain[0];
    lines.push(`${dial.where}: serial ${leaf?.serialNumber ?? '?'}, ${judged.verdict.ok ? judged.verdict.message : `NOT verified: ${judged.verdict.message}`}`);
    // The other view, for the log: a front load balancer may legitimately serve another CA's certificate.
    const other = trust === input.podTrust ? input.kubeconfigTrust : input.podTrust;
    const cross = verifyChain(chain, other.certs, now);
    lines.push(`  against ${other.label}: ${cross.ok ? 'verified too' : `not verified (${cross.message})`}`);
  }
  return { findings, lines };
}
