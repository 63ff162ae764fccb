// What the engine hands every suite worker through vitest's provide/inject: plain, structured-
// cloneable data about the run (the rate budget's SharedArrayBuffer is shared with the workers,
// which are threads, not copied). Workers open their own connection to the cluster from it. (Types only: the
// engine's process never loads vitest's test API.)
import type {} from 'vitest';
import type { FleetDescriptor } from '../fleet/descriptor.ts';
import type { ImageChoice } from '../fleet/image.ts';
import type { KubeTarget } from '../kube/kubeconfig.ts';
import type { Plugin } from '../kube/network-plugin.ts';
import type { RateBudget } from '../kube/throttle.ts';
import type { RunGrant } from '../run/run-grant.ts';
import type { Mailbox } from './mailbox.ts';
import type { NodeFacts } from '../kube/nodes.ts';
import type { ResolvedOptions } from './manifest.ts';
import type { Routes } from '../transport/select.ts';

export const CONTEXT_KEY = 'shakedown';

export interface RunContext {
  runId: string;
  // The run namespace, where the fleet lives; suites may create objects in it.
  namespace: string;
  expiresAt: string;
  kube: KubeTarget;
  // The run's one API rate limit, shared by the engine and every worker (kube/throttle.ts).
  rate: RateBudget;
  cluster: { server: string; version: string; nodes: NodeFacts[] };
  fleet: FleetDescriptor;
  // How each agent is reached: pod proxy or exec.
  routes: Routes;
  image: ImageChoice;
  pullSecret: string | undefined;
  timeouts: { probeMs: number; checkMs: number };
  // The chosen suites' options as resolved (flag, env, config file, default), by suite then option
  // name; a suite reads its own, typed, with suiteOptions(c.run, manifest).
  options: ResolvedOptions;
  // The checks a profile and the selection (--check, --skip-check) chose, by suite then title
  // (engine/profiles.ts, engine/selection.ts); absent: every check. A check left out is never
  // defined, so it is not run (the engine reports one the selection left out as skipped).
  checks?: Record<string, string[]>;
  // Whether each check's log lines are also sent, as they happen, to the run's live display.
  streamLog?: boolean;
  // The detected network plugin, when a chosen suite uses it (engine/network-plugin-service.ts).
  networkPlugin?: Plugin;
  // The runner of shakedown deploy: the role it binds in every namespace it makes (run/run-grant.ts).
  grant?: RunGrant;
}

// What the workers are given when they start, before the cluster is set up: the run context itself
// comes later through the mailbox (engine/mailbox.ts).
export interface EarlyRun {
  rate: RateBudget;
  checks?: Record<string, string[]>;
  streamLog?: boolean;
}

export interface ProvidedRun extends EarlyRun {
  mailbox: Mailbox;
}

declare module 'vitest' {
  interface ProvidedContext {
    [CONTEXT_KEY]: ProvidedRun;
  }
}
