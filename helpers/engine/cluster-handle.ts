// A suite worker's line to the cluster, opened on first use from the run context: a kube session
// (on the run's one rate limit, with the engine) and the transport that reaches each agent the way setup chose.
import { openKubeSession, type KubeSession } from '../kube/session.ts';
import { kubeExecRunner, createExecTransport } from '../transport/exec.ts';
import { createPodProxyTransport } from '../transport/pod-proxy.ts';
import { routedTransport } from '../transport/select.ts';
import type { ProbeTransport } from '../transport/transport.ts';
import type { RunContext } from './run-context.ts';

export interface ClusterHandle {
  session: KubeSession;
  transport: ProbeTransport;
}

export async function openClusterHandle(run: RunContext): Promise<ClusterHandle> {
  const session = await openKubeSession(run.kube, run.rate);
  const transport = routedTransport(run.routes, {
    proxy: createPodProxyTransport(session.connection),
    exec: createExecTransport(kubeExecRunner(session.kc, { throttle: session.connection.throttle })),
  });
  return { session, transport };
}

export async function closeClusterHandle(handle: ClusterHandle): Promise<void> {
  await handle.transport.close();
  await handle.session.close();
}
