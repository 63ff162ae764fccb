// What each node's kube-proxy health endpoint says, judged as data (the heartbeat judgments the gate
// shares are in suites/lib/heartbeats.ts). Pure.

// What each node's kube-proxy health endpoint answered from that node's agent.
export interface ProxyHealth {
  node: string;
  state: 'healthy' | 'unhealthy' | 'unreachable' | 'unasked';
  detail: string;
}

export type ProxyVerdict =
  | { kind: 'healthy' }
  // Answers nowhere: bound to localhost, or kube-proxy replaced (Cilium, kube-router's proxy...).
  | { kind: 'unreachable' }
  | { kind: 'failing'; nodes: string[]; text: string; likelyCause: string };

export function judgeProxyHealth(results: readonly ProxyHealth[]): ProxyVerdict {
  const answered = results.filter((r) => r.state === 'healthy' || r.state === 'unhealthy');
  const bad = results.filter((r) => r.state === 'unhealthy' || (r.state === 'unreachable' && answered.length > 0));
  if (answered.length === 0 && results.every((r) => r.state === 'unreachable')) return { kind: 'unreachable' };
  if (bad.length === 0 && results.every((r) => r.state !== 'unasked')) return { kind: 'healthy' };
  const failing = [...bad, ...results.filter((r) => r.state === 'unasked')];
  const unhealthy = failing.filter((r) => r.state === 'unhealthy');
  return {
    kind: 'failing',
    nodes: failing.map((r) => r.node),
    text: failing.map((r) => `${r.node}: ${r.state} (${r.detail})`).join('; '),
    likelyCause:
      unhealthy.length > 0
        ? `kube-proxy on ${unhealthy.map((r) => r.node).join(', ')} reports itself unhealthy: it has not synced its rules recently (stopped syncing, or cannot reach the API server)`
        : `kube-proxy does not answer on ${failing.map((r) => r.node).join(', ')} while it does on the other nodes: it is not running there`,
  };
}
