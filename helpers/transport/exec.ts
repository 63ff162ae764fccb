// Reaches an agent by exec into its pod: a tiny `node -e` script inside the pod sends the request
// to the agent on 127.0.0.1 and prints the answer. One exec per batch, not per probe. This is the
// fallback for clusters whose API server cannot reach pod IPs (the pod proxy fails there).
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { AGENT_CONTAINER, AGENT_TOKEN_FILE } from '../fleet/manifests.ts';
import { createExecGate, type ExecGate, type ExecOpenOptions } from './exec-open.ts';
import { TransportError, agentTransport, type AgentAddress, type ProbeTransport } from './transport.ts';

// argv: port, method, path, body as base64 (may be empty), token file. Prints {status, body} or
// {error}. The token is read inside the pod from the mounted Secret, so it is on no command line.
export const EXEC_SCRIPT = [
  'const [, port, method, path, b64, tokenFile] = process.argv;',
  "const body = b64 ? Buffer.from(b64, 'base64').toString() : undefined;",
  'const fail = (e) => { process.stdout.write(JSON.stringify({ error: String(e.cause?.code ?? e.code ?? e.message) })); process.exitCode = 1; };',
  'let token;',
  "try { token = require('node:fs').readFileSync(tokenFile, 'utf8').trim(); } catch (e) { fail(e); }",
  "if (token !== undefined) fetch('http://127.0.0.1:' + port + path, { method, body, headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) } })",
  '  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))',
  '  .catch(fail);',
].join('\n');

// One argument may hold at most 128 KiB on Linux; requests are split well below that.
export const MAX_EXEC_BODY_BYTES = 64 * 1024;

export interface ExecRunner {
  // Runs the command in the pod's agent container; resolves with stdout when it ends.
  run(agent: AgentAddress, command: string[], timeoutMs: number, signal?: AbortSignal): Promise<string>;
}

interface ExecSocket {
  readonly readyState: number;
  close(): void;
  on(event: 'close', listener: () => void): unknown;
}
const CLOSED = 3;

/**
 * Runs commands by exec through the API server. Each exec opens through the gate: the run's rate
 * limit, a deadline on the upgrade, a backoff after failures (exec-open.ts). Pass the session's
 * throttle (`{ throttle: session.connection.throttle }`) so execs share the run's rate limit.
 */
export function kubeExecRunner(kc: KubeConfig, options: ExecOpenOptions & { gate?: ExecGate; exec?: Pick<Exec, 'exec'> } = {}): ExecRunner {
  // `exec` stands in for client-node's in unit tests.
  const exec = options.exec ?? new Exec(kc);
  const gate = options.gate ?? createExecGate(options);
  return {
    async run(agent, command, timeoutMs, signal) {
      const started = Date.now();
      const chunks: Buffer[] = [];
      const errors: Buffer[] = [];
      const sink = (into: Buffer[]) =>
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            into.push(chunk);
            done();
          },
        });
      let status: V1Status | undefined;
      // The status arrives after all the output: the command is over, whether or not the socket's
      // close handshake ever completes.
      let ended = () => {};
      const socket: ExecSocket = await gate.open(
        agent,
        () =>
          exec.exec(agent.namespace, agent.name, AGENT_CONTAINER, command, sink(chunks), sink(errors), null, false, (s) => {
            status = s;
            ended();
          }),
        (late) => late.close(),
        signal,
      );
      return new Promise<string>((resolve, reject) => {
        const remainingMs = Math.max(1, timeoutMs - (Date.now() - started));
        const timer = setTimeout(() => finish(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), remainingMs);
        const onAbort = () => finish(new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        let done = false;
        function finish(error?: Error): void {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          socket.close();
          if (error !== undefined) return reject(error);
          const stderr = Buffer.concat(errors).toString().trim();
          if (status !== undefined && status.status !== 'Success' && chunks.length === 0) {
            return reject(new Error(`${status.message ?? 'exec failed'}${stderr ? `: ${stderr}` : ''}`));
          }
          resolve(Buffer.concat(chunks).toString());
        }
        ended = () => finish();
        socket.on('close', () => finish());
        if (socket.readyState === CLOSED || status !== undefined) finish();
      });
    },
  };
}

/** The agent's API by one exec per call; `tokenFile` is where the pod has the token mounted. */
export function createExecTransport(runner: ExecRunner, tokenFile: string = AGENT_TOKEN_FILE): ProbeTransport {
  async function call(agent: AgentAddress, method: string, path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const encoded = body === undefined ? '' : Buffer.from(JSON.stringify(body)).toString('base64');
    let stdout: string;
    try {
      stdout = await runner.run(agent, ['node', '-e', EXEC_SCRIPT, String(agent.ports.api), method, path, encoded, tokenFile], timeoutMs, signal);
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw new TransportError('exec', agent, `${method} ${path} failed: ${(error as Error).message}`, { cause: error });
    }
    let answer: { status?: number; body?: string; error?: string };
    try {
      answer = JSON.parse(stdout) as typeof answer;
    } catch (error) {
      throw new TransportError('exec', agent, `unexpected output from the exec helper: ${stdout.slice(0, 200)}`, { cause: error });
    }
    if (answer.error !== undefined) throw new TransportError('exec', agent, `${method} ${path} inside the pod failed: ${answer.error}`);
    if (answer.status !== 200)
      throw new TransportError('exec', agent, `${method} ${path} answered HTTP ${answer.status}: ${(answer.body ?? '').slice(0, 300)}`);
    return answer.body ?? '';
  }

  return agentTransport('exec', call, { split: splitBySize, batchMarginMs: 15_000, controlTimeoutMs: 20_000 });
}

// Halves requests until each fits in one command-line argument.
export function splitBySize<T extends { targets: unknown[] }>(requests: readonly T[], maxBytes = MAX_EXEC_BODY_BYTES): T[] {
  const out: T[] = [];
  const queue = [...requests];
  for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
    if (Buffer.byteLength(JSON.stringify(request)) <= maxBytes || request.targets.length <= 1) {
      out.push(request);
      continue;
    }
    const half = Math.ceil(request.targets.length / 2);
    queue.unshift({ ...request, targets: request.targets.slice(0, half) }, { ...request, targets: request.targets.slice(half) });
  }
  return out;
}
