// Reaches agents through ONE long-lived exec per pod instead of one exec per call: a tiny `node`
// loop inside the pod reads requests as JSON lines on stdin, sends each to the agent on
// 127.0.0.1, and writes the answer as a JSON line on stdout. Loopback traffic inside the pod is
// outside any NetworkPolicy, so this control path survives every policy under test; and the exec
// start-up cost is paid once per pod, not once per call. A broken session is reopened on the
// next call; a call that cannot get a session goes through the fallback transport. Opening a
// session goes through the run's rate limit with a deadline (exec-open.ts); an open that fails
// is a TransportError naming why, and is not retried through the fallback's own exec.
// The loop reads the run's token from the Secret mounted in the pod (its path is the one argument),
// so the token is on no command line and never crosses the exec stream.
import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig } from '@kubernetes/client-node';
import { AGENT_CONTAINER, AGENT_TOKEN_FILE } from '../fleet/manifests.ts';
import { createExecGate, type ExecGate, type ExecOpenOptions } from './exec-open.ts';
import { TransportError, agentTransport, type AgentAddress, type AgentCall, type ProbeTransport } from './transport.ts';

export const SESSION_SCRIPT = [
  'const tokenFile = process.argv[1];',
  "const rl = require('node:readline').createInterface({ input: process.stdin });",
  'rl.on("line", async (line) => {',
  '  let id;',
  '  try {',
  '    const req = JSON.parse(line); id = req.id;',
  "    const token = require('node:fs').readFileSync(tokenFile, 'utf8').trim();",
  "    const r = await fetch('http://127.0.0.1:' + req.port + req.path, { method: req.method, body: req.body, headers: { authorization: 'Bearer ' + token, ...(req.body ? { 'content-type': 'application/json' } : {}) } });",
  '    process.stdout.write(JSON.stringify({ id, status: r.status, body: await r.text() }) + "\\n");',
  '  } catch (e) { process.stdout.write(JSON.stringify({ id, error: String(e.cause?.code ?? e.message) }) + "\\n"); }',
  '});',
  'rl.on("close", () => process.exit(0));',
].join('\n');

// Lines to and from one process in a pod.
export interface LineChannel {
  send(line: string): void;
  onLine(listener: (line: string) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}

export type ChannelOpener = (agent: AgentAddress, command: string[]) => Promise<LineChannel>;

/**
 * Opens line channels by exec through the API server, each open through the gate (the run's rate
 * limit, a deadline, a backoff after failures). Pass the session's throttle
 * (`{ throttle: session.connection.throttle }`), and the same gate as the one-shot runner's.
 */
export function kubeChannelOpener(kc: KubeConfig, options: ExecOpenOptions & { gate?: ExecGate } = {}): ChannelOpener {
  const exec = new Exec(kc);
  const gate = options.gate ?? createExecGate(options);
  return async (agent, command) => {
    const stdin = new PassThrough();
    const lineListeners: ((line: string) => void)[] = [];
    const closeListeners: ((reason: string) => void)[] = [];
    let buffered = '';
    let closed = false;
    const close = (reason: string) => {
      if (closed) return;
      closed = true;
      for (const listener of closeListeners) listener(reason);
    };
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        buffered += chunk.toString();
        for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          for (const listener of lineListeners) listener(line);
        }
        done();
      },
    });
    let stderr = '';
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        stderr = (stderr + chunk.toString()).slice(-500);
        done();
      },
    });
    const socket = await gate.open(
      agent,
      () =>
        exec.exec(agent.namespace, agent.name, AGENT_CONTAINER, command, stdout, errors, stdin, false, (status) => {
          close(`the session ended: ${status.message ?? status.status ?? 'no status'}${stderr ? `: ${stderr.trim()}` : ''}`);
        }),
      (late) => late.close(),
    );
    socket.on('close', () => close(`the exec session closed${stderr ? `: ${stderr.trim()}` : ''}`));
    return {
      send: (line) => void stdin.write(`${line}\n`),
      onLine: (listener) => void lineListeners.push(listener),
      onClose: (listener) => void closeListeners.push(listener),
      close() {
        stdin.end();
        socket.close();
        close('closed by the runner');
      },
    };
  };
}

interface Session {
  channel: LineChannel;
  pending: Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>;
  closed: boolean;
}

interface Answer {
  status?: number;
  body?: string;
  error?: string;
}

export function createExecSessionTransport(open: ChannelOpener, fallback: ProbeTransport, tokenFile: string = AGENT_TOKEN_FILE): ProbeTransport {
  const sessions = new Map<string, Promise<Session>>();
  let nextId = 1;
  const keyOf = (agent: AgentAddress) => `${agent.namespace}/${agent.name}`;

  function session(agent: AgentAddress): Promise<Session> {
    const key = keyOf(agent);
    const existing = sessions.get(key);
    if (existing !== undefined) return existing;
    const opened = open(agent, ['node', '-e', SESSION_SCRIPT, tokenFile]).then((channel) => {
      const s: Session = { channel, pending: new Map(), closed: false };
      channel.onLine((line) => {
        let answer: Answer & { id?: number };
        try {
          answer = JSON.parse(line) as Answer & { id?: number };
        } catch {
          return;
        }
        const waiter = answer.id === undefined ? undefined : s.pending.get(answer.id);
        if (answer.id !== undefined) s.pending.delete(answer.id);
        waiter?.resolve(answer);
      });
      channel.onClose((reason) => {
        s.closed = true;
        if (sessions.get(key) === opened) sessions.delete(key);
        for (const waiter of s.pending.values()) waiter.reject(new Error(reason));
        s.pending.clear();
      });
      return s;
    });
    sessions.set(key, opened);
    opened.catch(() => {
      if (sessions.get(key) === opened) sessions.delete(key);
    });
    return opened;
  }

  const call: AgentCall = async (agent, method, path, body, timeoutMs, signal) => {
    const s = await session(agent);
    if (s.closed) throw new Error('the exec session is closed');
    const id = nextId++;
    const answer = await new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`))), timeoutMs);
      const onAbort = () => finish(() => reject(new Error('aborted')));
      signal?.addEventListener('abort', onAbort, { once: true });
      function finish(then: () => void): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        s.pending.delete(id);
        then();
      }
      s.pending.set(id, { resolve: (a) => finish(() => resolve(a)), reject: (e) => finish(() => reject(e)) });
      s.channel.send(JSON.stringify({ id, port: agent.ports.api, method, path, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    });
    if (answer.error !== undefined) throw new TransportError('exec', agent, `${method} ${path} inside the pod failed: ${answer.error}`);
    if (answer.status !== 200)
      throw new TransportError('exec', agent, `${method} ${path} answered HTTP ${answer.status}: ${(answer.body ?? '').slice(0, 300)}`);
    return answer.body ?? '';
  };

  const viaSession = agentTransport('exec', call, { controlTimeoutMs: 20_000 });
  // A call the session could not carry (no session, or it broke) goes the one-shot way; an answer
  // from the agent, even an error, stands.
  const orFallback = async <T>(first: () => Promise<T>, second: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    try {
      return await first();
    } catch (error) {
      if (error instanceof TransportError || signal?.aborted === true) throw error;
      return second();
    }
  };

  return {
    kind: 'exec',
    probe: (agent, targets, options = {}) =>
      orFallback(
        () => viaSession.probe(agent, targets, options),
        () => fallback.probe(agent, targets, options),
        options.signal,
      ),
    info: (agent, options = {}) =>
      orFallback(
        () => viaSession.info(agent, options),
        () => fallback.info(agent, options),
        options.signal,
      ),
    setReady: (agent, ready) =>
      orFallback(
        () => viaSession.setReady(agent, ready),
        () => fallback.setReady(agent, ready),
      ),
    async close() {
      const opened = [...sessions.values()];
      sessions.clear();
      await Promise.all(opened.map(async (s) => (await s.catch(() => undefined))?.channel.close()));
      await fallback.close();
    },
  };
}
