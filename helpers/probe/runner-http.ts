// Probes from the runner itself (this machine, outside the cluster): one HTTP GET with undici on a
// fresh connection, answered as a ProbeResult like the agent's, so the same expectations judge it.
import { Agent, request } from 'undici';
import { classifyError, timeoutError } from '../../agent/classify.ts';
import type { EchoBody, HttpTarget, ProbeResult } from '../../agent/protocol.ts';

function parseEcho(text: string): EchoBody | undefined {
  try {
    const value = JSON.parse(text) as Partial<EchoBody> | null;
    return typeof value?.pod === 'string' && typeof value.port === 'number' && typeof value.clientIP === 'string' ? (value as EchoBody) : undefined;
  } catch {
    return undefined;
  }
}

// undici names its own failures; the kernel's codes are classified by the agent's table.
function runnerError(error: unknown, timeoutMs: number): unknown {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const cause = error instanceof Error ? error.cause : undefined;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return timeoutError(timeoutMs);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return timeoutError(timeoutMs);
  if (code === '' && cause !== undefined) return cause;
  return error;
}

export async function probeHttpFromRunner(target: HttpTarget, signal?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const dispatcher = new Agent({ pipelining: 0, connect: { timeout: target.timeoutMs } });
  const deadline = AbortSignal.timeout(target.timeoutMs);
  const ms = () => performance.now() - started;
  try {
    const response = await request(target.url, {
      method: 'GET',
      dispatcher,
      signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    const text = await response.body.text();
    const echo = parseEcho(text);
    const status = response.statusCode;
    const http = { status, headers: {}, ...(echo === undefined ? { body: text.slice(0, 1024) } : { echo }) };
    // The status is judged by the caller's expectation (expectations.ts), never here.
    const ok = status >= 200 && status < 300;
    return { id: target.id, kind: 'http', outcome: ok ? 'ok' : 'http-status', ms: ms(), detail: `HTTP ${status}${echo === undefined ? '' : ` from ${echo.pod}`}`, http };
  } catch (error) {
    signal?.throwIfAborted();
    const classified = classifyError(runnerError(error, target.timeoutMs));
    return { id: target.id, kind: 'http', ms: ms(), ...classified };
  } finally {
    await dispatcher.destroy().catch(() => undefined);
  }
}
