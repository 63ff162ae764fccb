// Keeps a running run's namespaces from expiring. Each namespace carries an expiry annotation that
// `shakedown cleanup` and every other run's setup read: past it, the namespace is a leftover of a
// crashed run and is deleted. A run longer than its TTL (or one paused in a debugger) would be
// deleted under its own feet by a concurrent run on a shared cluster. So while the run lives, a
// timer pushes the expiry of every namespace of the run (found by the run-id label, so namespaces a
// suite creates later are renewed too) to now + TTL, every TTL/4.
//
// A renewal never crashes the run: a failed list or patch is logged and retried on the next tick.
// A namespace the run had seen that is gone or Terminating, without the run deleting it, means
// someone else cleaned the run up: that is said loudly, once per namespace, naming the namespace.
import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import type { ApiConnection } from '../kube/connection.ts';
import { statusCode } from '../kube/api-errors.ts';
import { EXPIRES_AT_ANNOTATION, isOurs, ownedSelector } from './labels.ts';

export interface ExpiryApi {
  // The namespaces matching a label selector.
  list(labelSelector: string): Promise<V1Namespace[]>;
  // Sets the expiry annotation; throws an ApiException 404 when the namespace is gone.
  setExpiry(name: string, expiresAt: string): Promise<void>;
}

// Both calls go through the session's connection, and so through the run's API rate limit.
export function expiryApi(core: CoreV1Api, connection: ApiConnection): ExpiryApi {
  return {
    list: async (labelSelector) => (await core.listNamespace({ labelSelector })).items,
    async setExpiry(name, expiresAt) {
      const response = await connection.send({
        method: 'PATCH',
        path: `/api/v1/namespaces/${encodeURIComponent(name)}`,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { annotations: { [EXPIRES_AT_ANNOTATION]: expiresAt } } }),
        timeoutMs: 10_000,
      });
      if (response.status >= 300) throw new ApiException(response.status, `PATCH namespace ${name}: HTTP ${response.status}`, response.text, response.headers);
    },
  };
}

// Renewing every quarter of the TTL leaves three missed renewals before anything expires.
export const RENEWALS_PER_TTL = 4;

export interface RenewalOptions {
  runId: string;
  ttlMs: number;
  // Default ttlMs / RENEWALS_PER_TTL.
  intervalMs?: number;
  now?: () => number;
  // Routine lines (a failed renewal that the next tick retries).
  log: (line: string) => void;
  // The run has been cleaned up by someone else: namespace gone or being deleted.
  onGone: (namespace: string, detail: string) => void;
}

export interface RenewalTick {
  renewed: string[];
  failed: { name: string; error: string }[];
  gone: { name: string; detail: string }[];
}

export interface Renewal {
  // One renewal now (also what the timer runs); never throws.
  renewNow(): Promise<RenewalTick>;
  // Stops the timer and waits for a renewal in flight. After stop, nothing is renewed or reported.
  stop(): Promise<void>;
  // Namespaces seen so far.
  readonly known: ReadonlySet<string>;
}

const message = (error: unknown) => (error instanceof ApiException ? `HTTP ${error.code}` : error instanceof Error ? error.message : String(error));

export function startRenewal(api: ExpiryApi, options: RenewalOptions): Renewal {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? Math.max(1000, Math.floor(options.ttlMs / RENEWALS_PER_TTL));
  const known = new Set<string>();
  const reportedGone = new Set<string>();
  let stopped = false;
  let inFlight: Promise<RenewalTick> | undefined;

  const gone = (tick: RenewalTick, name: string, detail: string) => {
    if (stopped || reportedGone.has(name)) return;
    reportedGone.add(name);
    tick.gone.push({ name, detail });
    options.onGone(name, detail);
  };

  async function once(): Promise<RenewalTick> {
    const tick: RenewalTick = { renewed: [], failed: [], gone: [] };
    let listed: V1Namespace[];
    try {
      listed = (await api.list(ownedSelector(options.runId))).filter(isOurs);
    } catch (error) {
      options.log(
        `renewing the expiry of run ${options.runId}: cannot list its namespaces (${message(error)}); retrying in ${Math.round(intervalMs / 1000)} s`,
      );
      tick.failed.push({ name: '*', error: message(error) });
      return tick;
    }
    if (stopped) return tick;
    const present = new Set<string>();
    const expiresAt = new Date(now() + options.ttlMs).toISOString();
    await Promise.all(
      listed.map(async (namespace) => {
        const name = namespace.metadata?.name ?? '';
        if (name === '') return;
        present.add(name);
        known.add(name);
        if (namespace.metadata?.deletionTimestamp !== undefined)
          return gone(
            tick,
            name,
            `namespace ${name} is being deleted (since ${new Date(namespace.metadata.deletionTimestamp).toISOString()}), not by this run`,
          );
        try {
          await api.setExpiry(name, expiresAt);
          tick.renewed.push(name);
        } catch (error) {
          if (statusCode(error) === 404) return gone(tick, name, `namespace ${name} was deleted, not by this run`);
          tick.failed.push({ name, error: message(error) });
          options.log(`renewing the expiry of namespace ${name}: ${message(error)}; retrying in ${Math.round(intervalMs / 1000)} s`);
        }
      }),
    );
    for (const name of known) if (!present.has(name)) gone(tick, name, `namespace ${name} was deleted, not by this run`);
    return tick;
  }

  function renewNow(): Promise<RenewalTick> {
    // One renewal at a time: a slow API server never stacks them up.
    inFlight ??= once().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const timer = setInterval(() => void renewNow(), intervalMs);
  timer.unref();

  return {
    renewNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight?.catch(() => undefined);
    },
    known,
  };
}
