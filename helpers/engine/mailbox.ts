// A one-shot mailbox between the engine and its suite workers (threads), over a SharedArrayBuffer:
// the workers start, load their suite files and wait here while the engine sets the cluster up,
// so their start-up (seconds of CPU on a small machine) overlaps the fleet's. The engine posts the
// run context once, or why the suites will not run. Values are JSON.
//
// Layout: two int32 (state, byte length), then the UTF-8 bytes; the buffer grows to fit them.

const EMPTY = 0;
const POSTED = 1;
const WITHHELD = 2;
const HEADER_BYTES = 2 * Int32Array.BYTES_PER_ELEMENT;
// A run context with thousands of nodes is a few MiB; anything larger is a bug, said as one.
const MAX_BYTES = 64 * 1024 * 1024;

export type Mailbox = SharedArrayBuffer;

export function createMailbox(): Mailbox {
  return new SharedArrayBuffer(HEADER_BYTES, { maxByteLength: HEADER_BYTES + MAX_BYTES });
}

function put(mailbox: Mailbox, state: number, text: string): void {
  const header = new Int32Array(mailbox, 0, 2);
  if (Atomics.load(header, 0) !== EMPTY) throw new Error('the mailbox was already used: a run context is posted once');
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_BYTES) throw new Error(`the run context is ${bytes.length} bytes, more than the ${MAX_BYTES} a mailbox holds`);
  mailbox.grow(HEADER_BYTES + bytes.length);
  new Uint8Array(mailbox, HEADER_BYTES, bytes.length).set(bytes);
  Atomics.store(header, 1, bytes.length);
  Atomics.store(header, 0, state);
  Atomics.notify(header, 0);
}

export function post(mailbox: Mailbox, value: unknown): void {
  put(mailbox, POSTED, JSON.stringify(value));
}

// The suites will not run (setup failed, the run was stopped): every waiting worker is told why.
export function withhold(mailbox: Mailbox, reason: string): void {
  put(mailbox, WITHHELD, JSON.stringify(reason));
}

export class Withheld extends Error {
  override readonly name = 'Withheld';
}

// Waits for the engine's word: the posted value, or a Withheld error with the engine's reason.
export async function receive<T>(mailbox: Mailbox): Promise<T> {
  const header = new Int32Array(mailbox, 0, 2);
  while (Atomics.load(header, 0) === EMPTY) {
    const waiting = Atomics.waitAsync(header, 0, EMPTY);
    if (waiting.async) await waiting.value;
  }
  const length = Atomics.load(header, 1);
  // TextDecoder does not read shared memory: copy first.
  const text = new TextDecoder().decode(new Uint8Array(mailbox, HEADER_BYTES, length).slice());
  const value: unknown = JSON.parse(text);
  if (Atomics.load(header, 0) === WITHHELD) throw new Withheld(String(value));
  return value as T;
}
