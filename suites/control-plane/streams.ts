// The three kubelet streaming paths through the API server, each against one pod of ours: its log
// (GET pods/log), an exec (websocket, through the run's exec gate) and a port-forward (websocket
// pods/portforward carrying one HTTP request to the pod's server). Each reports, never throws.
import { PassThrough, Writable } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import type { KubeSession } from '../../helpers/kube/session.ts';
import type { ExecRunner } from '../../helpers/transport/exec.ts';
import { AGENT_CONTAINER } from '../../helpers/fleet/manifests.ts';
import { timeoutSignal } from '../../helpers/wait/poll.ts';
import { MARKER, SERVER_PORT } from './objects.ts';
import { podLog } from '../../helpers/objects/pod-output.ts';

export type StreamKind = 'logs' | 'exec' | 'port-forward';

export interface StreamResult {
  kind: StreamKind;
  ok: boolean;
  ms: number;
  detail: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

async function timed(kind: StreamKind, work: () => Promise<{ ok: boolean; detail: string }>): Promise<StreamResult> {
  const started = performance.now();
  try {
    const { ok, detail } = await work();
    return { kind, ok, detail, ms: performance.now() - started };
  } catch (error) {
    return { kind, ok: false, detail: message(error), ms: performance.now() - started };
  }
}

export interface PodRef {
  namespace: string;
  name: string;
  node: string;
}

export function readLog(session: KubeSession, pod: PodRef): Promise<StreamResult> {
  return timed('logs', async () => {
    const text = await podLog(session.clients.core, { namespace: pod.namespace, name: pod.name, container: AGENT_CONTAINER }, { tailLines: 20 });
    const expected = `${MARKER} listening ${pod.name}`;
    return text.includes(expected)
      ? { ok: true, detail: 'start-up line read' }
      : { ok: false, detail: `expected "${expected}" in the log, read ${JSON.stringify(text.slice(0, 160))}` };
  });
}

export function execIn(runner: ExecRunner, pod: PodRef, timeoutMs: number, signal?: AbortSignal): Promise<StreamResult> {
  return timed('exec', async () => {
    const out = await runner.run(
      { name: pod.name, namespace: pod.namespace, ports: { api: SERVER_PORT }, token: '', node: pod.node },
      ['node', '-e', 'process.stdout.write(`${process.env.POD_NAME} ${process.env.NODE_NAME}`)'],
      timeoutMs,
      signal,
    );
    const expected = `${pod.name} ${pod.node}`;
    return out.trim() === expected
      ? { ok: true, detail: 'command ran in the pod' }
      : { ok: false, detail: `expected "${expected}", the command printed ${JSON.stringify(out.slice(0, 160))}` };
  });
}

// Sends one HTTP request over a port-forward and waits (at most timeoutMs, or until `signal`) for
// the server's answer naming the pod.
export function portForward(session: KubeSession, pod: PodRef, timeoutMs: number, signal?: AbortSignal): Promise<StreamResult> {
  return timed('port-forward', async () => {
    await session.connection.throttle?.take();
    const input = new PassThrough();
    let received = '';
    let errors = '';
    const { promise: answered, resolve: done } = Promise.withResolvers<{ ok: boolean; detail: string }>();
    const expected = `${MARKER} ${pod.name}`;
    const output = new Writable({
      write(chunk: Buffer, _encoding, next) {
        received += chunk.toString('utf8');
        if (received.includes(expected)) done({ ok: true, detail: 'HTTP answer through the tunnel' });
        next();
      },
    });
    const errorOut = new Writable({
      write(chunk: Buffer, _encoding, next) {
        errors += chunk.toString('utf8');
        next();
      },
    });
    const bound = timeoutSignal(timeoutMs, signal);
    const onBound = () => {
      const why = signal?.aborted === true ? `stopped before an answer (${message(signal.reason)})` : `no answer within ${Math.round(timeoutMs / 1000)} s`;
      done({
        ok: false,
        detail: `${why}${errors === '' ? '' : `: ${errors.slice(0, 200)}`}${received === '' ? '' : `; received ${JSON.stringify(received.slice(0, 120))}`}`,
      });
    };
    if (bound.aborted) onBound();
    else bound.addEventListener('abort', onBound, { once: true });
    let socket: { close(): void } | undefined;
    let finished = false;
    void new PortForward(session.kc).portForward(pod.namespace, pod.name, [SERVER_PORT], output, errorOut, input).then(
      (opened) => {
        socket = opened as unknown as { close(): void };
        if (finished) socket.close();
        else input.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      },
      (error: unknown) => done({ ok: false, detail: `the port-forward did not open: ${message(error)}` }),
    );
    try {
      return await answered;
    } finally {
      finished = true;
      bound.removeEventListener('abort', onBound);
      socket?.close();
      input.end();
    }
  });
}
