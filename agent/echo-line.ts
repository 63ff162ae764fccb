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

// Bulk messages carry a large payload one way: `payload|#` padded with dots to the size asked for.
// The echo answers `POD|payload|#BYTES` (the bytes it received, newline excluded), a short reply,
// so a failure says the large data did not arrive at the target, not that the answer did not return.
export const BULK_MARK = '|#';

/** The bulk message for `payload` of `size` bytes (at least the payload and the mark). */
export function bulkMessage(payload: string, size: number): string {
  const base = `${payload}${BULK_MARK}`;
  return base + '.'.repeat(Math.max(0, size - Buffer.byteLength(base)));
}

/** What the echo answers after its prefix for a bulk message of `bytes` bytes, or undefined when it is not one. */
export function bulkAnswer(message: string, bytes: number): string | undefined {
  const mark = message.lastIndexOf(BULK_MARK);
  if (mark < 0) return undefined;
  for (let i = mark + BULK_MARK.length; i < message.length; i++) if (message.charCodeAt(i) !== 0x2e) return undefined;
  return `${message.slice(0, mark)}${BULK_MARK}${bytes}`;
}

/** What a prober sends for a payload (a bulk message when a size is asked), and the echo text it expects back. */
export function echoExchange(payload: string, size: number | undefined): { sent: string; expect: string } {
  if (size === undefined) return { sent: payload, expect: payload };
  const sent = bulkMessage(payload, size);
  return { sent, expect: `${payload}${BULK_MARK}${Buffer.byteLength(sent)}` };
}
