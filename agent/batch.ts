// Runs a validated batch of probes with bounded concurrency.
import { mapBounded } from './bounded.ts';
import { runProbe } from './probe.ts';
import type { Prober } from './probe.ts';
import { API_VERSION, DEFAULT_CONCURRENCY } from './protocol.ts';
import type { Identity, ProbeRequest, ProbeResponse } from './protocol.ts';

/** Results come back in the order of the targets. */
export async function runBatch(request: ProbeRequest, identity: Identity, probe: Prober = runProbe): Promise<ProbeResponse> {
  const results = await mapBounded(request.targets, request.concurrency ?? DEFAULT_CONCURRENCY, probe);
  return { apiVersion: API_VERSION, pod: identity.pod, node: identity.node, results };
}
