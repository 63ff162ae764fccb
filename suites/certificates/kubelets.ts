// Every kubelet's serving certificate, dialed on the node's InternalIP and kubelet port from the
// agent on that node (a node without an agent is dialed from another agent, and says so). A
// certificate that kube-root-ca.crt does not trust is a warning: self-signed (the kubelet made it
// and nobody renews it) or signed by another CA; SANs should cover the node's addresses.
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { fromName, type Dial, type Dialed } from './dial.ts';
import type { Finding } from './findings.ts';
import { judgeServed, type Trust } from './judge.ts';
import { classificationOf } from './outcome.ts';
import type { Csr } from '../lib/api-json.ts';
import type { Thresholds } from './thresholds.ts';
import { issuerLine, selfSigned } from '../lib/x509.ts';

export interface KubeletNode {
  name: string;
  internalIP?: string;
  // Every address the node reports (InternalIP, ExternalIP, Hostname).
  addresses: string[];
  port: number;
}

export interface KubeletDial extends Dial {
  node: KubeletNode;
}

export function kubeletDials(nodes: readonly KubeletNode[], agents: readonly ProbeAgent[]): { dials: KubeletDial[]; undialed: string[] } {
  const dials: KubeletDial[] = [];
  const undialed: string[] = [];
  for (const node of nodes) {
    const own = agents.find((agent) => agent.node === node.name);
    const from = own ?? agents[0];
    if (node.internalIP === undefined || from === undefined) {
      undialed.push(`${node.name}: ${node.internalIP === undefined ? 'no InternalIP address' : 'no agent to dial from'}`);
      continue;
    }
    const where = `kubelet of ${node.name} (${node.internalIP}:${node.port}) from ${own === undefined ? `${fromName(from)}, the node has no agent` : 'its own agent'}`;
    dials.push({ where, from, host: node.internalIP, port: node.port, node });
  }
  return { dials, undialed };
}

export function judgeKubelets(dialed: readonly Dialed[], trust: Trust, now: Date, thresholds: Thresholds): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const lines: string[] = [];
  for (const { dial, result, chain } of dialed) {
    const node = (dial as KubeletDial).node;
    if (result.outcome !== 'ok') {
      const dropped = result.outcome === 'timeout' || result.outcome === 'unreachable';
      lines.push(`${dial.where}: ${result.outcome} (${result.detail})`);
      findings.push({
        level: dropped ? 'warn' : 'fail',
        classification: classificationOf(result.outcome),
        where: dial.where,
        message: `the TLS handshake failed: ${result.outcome}${result.code === undefined ? '' : ` ${result.code}`} (${result.detail})`,
        likelyCause: dropped
          ? 'nothing answered from the pod network: a host firewall may keep pods off the kubelet port (then kubectl logs and exec still work from the API server)'
          : 'the kubelet does not serve TLS on this address and port (Node status.daemonEndpoints), or it is down',
      });
      continue;
    }
    const judged = judgeServed({
      where: dial.where,
      chain,
      trust,
      names: [],
      shouldNames: node.addresses,
      now,
      thresholds,
      untrustedLevel: 'warn',
      untrustedCause:
        'a self-signed kubelet certificate is never renewed and cannot be verified by the API server: set serverTLSBootstrap and approve kubelet-serving CSRs, or issue one from the cluster CA',
    });
    // Names a kubelet certificate lacks are a warning only (the API server verifies them only with --kubelet-certificate-authority).
    findings.push(...judged.findings.map((f): Finding => (f.classification === 'mismatch' ? { ...f, level: 'warn' } : f)));
    const leaf = chain[0];
    const kind = leaf === undefined ? 'nothing served' : selfSigned(leaf) ? 'self-signed' : judged.verdict.ok ? 'CA-signed' : 'signed by another CA';
    lines.push(
      `${dial.where}: ${kind}, issuer ${leaf === undefined ? '?' : issuerLine(leaf)}, serial ${leaf?.serialNumber ?? '?'}, ${leaf === undefined ? '' : `until ${leaf.validToDate.toISOString()}`}`,
    );
  }
  return { findings, lines };
}

const PENDING_AFTER_MS = 5 * 60_000;

/** kubelet-serving CSRs neither approved nor denied for more than five minutes. */
export function pendingServingCsrs(csrs: readonly Csr[], now: Date): Finding[] {
  return csrs
    .filter((csr) => csr.spec.signerName === 'kubernetes.io/kubelet-serving')
    .filter((csr) => (csr.status?.conditions ?? []).length === 0 && csr.status?.certificate === undefined)
    .filter((csr) => now.getTime() - Date.parse(csr.metadata.creationTimestamp ?? '') > PENDING_AFTER_MS)
    .map((csr): Finding => {
      const minutes = Math.round((now.getTime() - Date.parse(csr.metadata.creationTimestamp ?? '')) / 60_000);
      return {
        level: 'warn',
        classification: 'missing',
        where: `CSR ${csr.metadata.name}`,
        message: `kubelet-serving request from ${csr.spec.username ?? 'an unknown user'} Pending for ${minutes} minute(s)`,
        likelyCause: 'nothing approves kubelet-serving CSRs (serverTLSBootstrap needs an approver): the kubelet serves no certificate until one is approved',
      };
    });
}
