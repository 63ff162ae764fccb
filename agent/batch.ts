// Runs a validated batch of probes with bounded concurrency, for as long as its client waits.
import { mapBounded } from './bounded.ts';
import type { DestinationRules } from './destinations.ts';
import { runProbe } from './probe.ts';
import type { Prober } from './probe.ts';
import { API_VERSION, DEFAULT_CONCURRENCY } from './protocol.ts';
import type { Identity, ProbeRequest, ProbeResponse } from './protocol.ts';

export interface BatchOptions {
  /** The prober (tests give a fake one). */
  probe?: Prober;
  /**
   * Cancels the batch (its client is gone): probes not started yet never start, running ones are
   * aborted, and the batch rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** Where the probes may connect (destinations.ts); absent, anywhere. */
  destinations?: DestinationRules;
}

/** Results come back in the order of the targets. */
export async function runBatch(request: ProbeRequest, identity: Identity, options: BatchOptions = {}): Promise<ProbeResponse> {
  const { probe = runProbe, signal, destinations } = options;
  const context = { ...(signal === undefined ? {} : { signal }), ...(destinations === undefined ? {} : { destinations }) };
  const results = await mapBounded(request.targets, request.concurrency ?? DEFAULT_CONCURRENCY, (target) => probe(target, context), signal);
  return { apiVersion: API_VERSION, pod: identity.pod, node: identity.node, results };
}
