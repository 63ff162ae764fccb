// Reaches an agent by exec into its pod: a tiny `node -e` script inside the pod sends the request
// to the agent on 127.0.0.1 and prints the answer. One exec per batch, not per probe. This is the
// fallback for clusters whose API server cannot reach pod IPs (the pod proxy fails there).
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { AGENT_CONTAINER } from '../fleet/manifests.ts';
import { TransportError, agentTransport, type AgentAddress, type ProbeTransport } from './transport.ts';

// argv: port, method, path, body as base64 (may be empty). Prints {status, body} or {error}.
export const EXEC_SCRIPT = [
  'const [, port, method, path, b64] = process.argv;',
  "const body = b64 ? Buffer.from(b64, 'base64').toString() : undefined;",
  "fetch('http://127.0.0.1:' + port + path, { method, body, headers: body ? { 'content-type': 'application/json' } : {} })",
  '  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))',
  '  .catch((e) => { process.stdout.write(JSON.stringify({ error: String(e.cause?.code ?? e.message) })); process.exitCode = 1; });',
].join('\n');

// One argument may hold at most 128 KiB on Linux; requests are split well below that.
export const MAX_EXEC_BODY_BYTES = 64 * 1024;

export interface ExecRunner {
  // Runs the command in the pod's agent container; resolves with stdout when it ends.
  run(agent: AgentAddress, command: string[], timeoutMs: number, signal?: AbortSignal): Promise<string>;
}

export function kubeExecRunner(kc: KubeConfig): ExecRunner {
  const exec = new Exec(kc);
  return {
    run(agent, command, timeoutMs, signal) {
      return new Promise<string>((resolve, reject) => {
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
        let socket: { close(): void; on(event: 'close', listener: () => void): unknown } | undefined;
        const timer = setTimeout(() => finish(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
        const onAbort = () => finish(new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        let done = false;
        function finish(error?: Error): void {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          socket?.close();
          if (error !== undefined) return reject(error);
          const stderr = Buffer.concat(errors).toString().trim();
          if (status !== undefined && status.status !== 'Success' && chunks.length === 0) {
            return reject(new Error(`${status.message ?? 'exec failed'}${stderr ? `: ${stderr}` : ''}`));
          }
          resolve(Buffer.concat(chunks).toString());
        }
        exec
          .exec(agent.namespace, agent.name, AGENT_CONTAINER, command, sink(chunks), sink(errors), null, false, (s) => {
            status = s;
          })
          .then((ws) => {
            socket = ws;
            ws.on('close', () => finish());
          }, (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
      });
    },
  };
}

export function createExecTransport(runner: ExecRunner): ProbeTransport {
  async function call(agent: AgentAddress, method: string, path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const encoded = body === undefined ? '' : Buffer.from(JSON.stringify(body)).toString('base64');
    let stdout: string;
    try {
      stdout = await runner.run(agent, ['node', '-e', EXEC_SCRIPT, String(agent.ports.api), method, path, encoded], timeoutMs, signal);
    } catch (error) {
      throw new TransportError('exec', agent, `${method} ${path} failed: ${(error as Error).message}`, { cause: error });
    }
    let answer: { status?: number; body?: string; error?: string };
    try {
      answer = JSON.parse(stdout) as typeof answer;
    } catch (error) {
      throw new TransportError('exec', agent, `unexpected output from the exec helper: ${stdout.slice(0, 200)}`, { cause: error });
    }
    if (answer.error !== undefined) throw new TransportError('exec', agent, `${method} ${path} inside the pod failed: ${answer.error}`);
    if (answer.status !== 200) throw new TransportError('exec', agent, `${method} ${path} answered HTTP ${answer.status}: ${(answer.body ?? '').slice(0, 300)}`);
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
