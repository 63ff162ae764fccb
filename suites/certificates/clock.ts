// Clock skew: each agent's clock (its node's) against the runner's, from /v1/info answers timed
// on both sides. offset = agent time - the midpoint of the request; the half round trip bounds the
// error. Nodes that disagree beyond the bound fail (a certificate's notBefore is in the future on
// one of them); the runner off beyond the bound is a warning (it is not the cluster).
import type { Finding } from './findings.ts';

export interface ClockSample {
  agent: string;
  node: string;
  offsetMs: number;
  uncertaintyMs: number;
}

export function sampleOf(agent: string, node: string, sentAt: number, agentTime: number, receivedAt: number): ClockSample {
  return { agent, node, offsetMs: agentTime - (sentAt + receivedAt) / 2, uncertaintyMs: (receivedAt - sentAt) / 2 };
}

/** Of several samples of one agent, the one with the tightest bound. */
export function best(samples: readonly ClockSample[]): ClockSample | undefined {
  return [...samples].sort((a, b) => a.uncertaintyMs - b.uncertaintyMs)[0];
}

const ms = (value: number): string => `${Math.round(value)} ms`;

export function skewFindings(samples: readonly ClockSample[], boundMs: number): Finding[] {
  const findings: Finding[] = [];
  const sorted = [...samples].sort((a, b) => a.offsetMs - b.offsetMs);
  const low = sorted[0];
  const high = sorted[sorted.length - 1];
  if (low !== undefined && high !== undefined && low !== high) {
    // The skew beyond what the round trips could explain.
    const skew = high.offsetMs - low.offsetMs - high.uncertaintyMs - low.uncertaintyMs;
    if (skew > boundMs) {
      findings.push({
        level: 'fail',
        classification: 'mismatch',
        where: `nodes ${high.node} and ${low.node}`,
        message: `clocks differ by at least ${ms(skew)} (${high.node} ${ms(high.offsetMs)} and ${low.node} ${ms(low.offsetMs)} from the runner), above the bound of ${ms(boundMs)}`,
        likelyCause:
          'NTP (chrony, systemd-timesyncd) is not running or not synchronised on one of these nodes: certificates look not-yet-valid or expired there',
      });
    }
  }
  for (const sample of samples) {
    const off = Math.abs(sample.offsetMs) - sample.uncertaintyMs;
    if (off > boundMs) {
      findings.push({
        level: 'warn',
        classification: 'mismatch',
        where: `node ${sample.node} against the runner`,
        message: `the node's clock is ${ms(sample.offsetMs)} from the runner's (± ${ms(sample.uncertaintyMs)}), above the bound of ${ms(boundMs)}`,
        likelyCause: "this machine's clock or the node's is not synchronised",
      });
    }
  }
  return findings;
}

export function clockLines(samples: readonly ClockSample[]): string[] {
  return samples.map((s) => `${s.agent} on ${s.node}: ${s.offsetMs >= 0 ? '+' : ''}${ms(s.offsetMs)} from the runner (± ${ms(s.uncertaintyMs)})`);
}
