// The TCP and UDP echo format: the answering pod's name, a bar, then the text received.
// The prober splits it back so the caller learns which backend answered.
import type { Finding } from './probe-scope.ts';

const PREVIEW_CHARS = 80;

/** Sent when a target names no payload. */
export const DEFAULT_PAYLOAD = 'ping';

export function echoPrefix(pod: string): string {
  return `${pod}|`;
}

/** Judges one reply line against the text that was sent. */
export function echoFinding(line: string, sent: string): Finding {
  const suffix = `|${sent}`;
  if (!line.endsWith(suffix) || line.length === suffix.length) {
    return { outcome: 'protocol-error', detail: `not an echo: ${JSON.stringify(line.slice(0, PREVIEW_CHARS))}` };
  }
  const pod = line.slice(0, -suffix.length);
  return { outcome: 'ok', detail: `echoed by ${pod}`, reply: { pod, text: sent } };
}
