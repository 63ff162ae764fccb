// TCP echo: answers every line with `POD|line`, so the caller learns which backend it reached;
// a bulk line (echo-line.ts) with the short `POD|payload|#BYTES`.
//
// A client cannot make the echo hold more than a bounded amount for it: lines are answered only
// while the socket takes the answers (write() returning false pauses reading until 'drain', so a
// client that sends and never reads is held back by TCP's own window), a connection holding more
// than MAX_BUFFERED_BYTES anyway is destroyed, and one with no traffic for IDLE_TIMEOUT_MS is closed.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { bulkAnswer, echoPrefix } from './echo-line.ts';

// Longer than the largest bulk line a prober sends (MAX_TCP_SIZE, 65 000 bytes) with its newline.
const MAX_LINE_CHARS = 64 * 1024;
// Answers are gathered into writes of about this size: one write per line would cost an allocation
// and a syscall each for a client streaming short lines, and it is the granularity of backpressure
// (at most one such batch beyond the socket's own high-water mark is queued before reading pauses).
const ANSWER_BATCH_BYTES = 16 * 1024;
/**
 * What one connection may hold: answers the client has not taken yet plus input not yet answered.
 * With reading paused it stays near 150 KiB (one 64 KiB read, the socket's 16 KiB high-water mark,
 * one batch, one 64 KiB line); 1 MiB is far above what a client meets and small beside the pod's
 * 128 Mi limit. The backstop should pausing ever fail to hold a client back.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * A connection with no traffic either way for this long is closed. A probe's exchange is one line
 * within its timeout (at most MAX_TIMEOUT_MS, 30 s); twice that leaves room for a slow path, and a
 * client that sends and never reads (so stalls every write) is let go within a minute.
 */
export const IDLE_TIMEOUT_MS = 60_000;

export interface TcpEchoOptions {
  /** Overrides MAX_BUFFERED_BYTES (tests). */
  maxBufferedBytes?: number;
  /** Overrides IDLE_TIMEOUT_MS (tests). */
  idleTimeoutMs?: number;
}

function answerOf(prefix: string, raw: string): string {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  return `${prefix}${bulkAnswer(line, Buffer.byteLength(line)) ?? line}\n`;
}

function echoLines(socket: Socket, prefix: string, maxBuffered: number): void {
  // Input not yet answered: every complete line in it is answered before more is read.
  let pending = '';
  let ended = false;
  const overLimit = () => socket.writableLength + pending.length > maxBuffered;
  // Answers complete lines until none is left or the socket asks to wait; true when it may read on.
  const answer = (): boolean => {
    let start = 0;
    let batch = '';
    let writable = true;
    for (let newline = pending.indexOf('\n'); newline >= 0 && writable; newline = pending.indexOf('\n', start)) {
      batch += answerOf(prefix, pending.slice(start, newline));
      start = newline + 1;
      if (batch.length >= ANSWER_BATCH_BYTES) {
        writable = socket.write(batch);
        batch = '';
      }
    }
    if (batch !== '') writable = socket.write(batch) && writable;
    pending = pending.slice(start);
    return writable;
  };
  const pump = (): void => {
    if (socket.destroyed) return;
    const writable = answer();
    if (overLimit() || (pending.length > MAX_LINE_CHARS && pending.indexOf('\n') < 0)) {
      socket.destroy();
    } else if (!writable) {
      socket.pause();
    } else if (ended) {
      // The client is done sending: every line it sent is answered; what follows no newline is not a line.
      socket.end();
    } else {
      socket.resume();
    }
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    pump();
  });
  socket.on('drain', pump);
  socket.on('end', () => {
    ended = true;
    pump();
  });
  // A client that resets the connection is routine here, not a reason to stop.
  socket.on('error', () => socket.destroy());
}

export function createTcpEcho(pod: string, options: TcpEchoOptions = {}): Server {
  const prefix = echoPrefix(pod);
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  // Half-open connections are ours to end, once every line received has been answered.
  return createServer({ allowHalfOpen: true }, (socket) => {
    socket.setTimeout(idleMs, () => socket.destroy());
    echoLines(socket, prefix, maxBuffered);
  });
}
