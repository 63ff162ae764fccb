// Small helpers for JSON over node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError } from './validate.ts';

export class BodyTooLargeError extends Error {
  readonly code = 'AGENT_BODY_TOO_LARGE';

  constructor(maxBytes: number) {
    super(`request body exceeds ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Reads and parses a JSON body. An oversized body is drained, not kept, so a 413 can still be sent. */
export async function readJson(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
}
