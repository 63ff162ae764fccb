// Reading a file the user named (a kubeconfig, the config file) that may be a pipe. Process
// substitution (--kubeconfig <(vault read ...)) hands over /dev/fd/63, a pipe whose writer may still
// be at work, and a named pipe (mkfifo) may have no writer at all: a plain read would block the
// process, Ctrl-C included, until one comes. A regular file is read at once; a pipe is read until
// its writer closes it, within a bound, without blocking the event loop (readInputFile) or, where
// the caller cannot wait asynchronously, polling it (readInputFileSync, before any signal handler is
// installed); anything else (a directory, a terminal, a device, a socket) is refused with what it is.
import { closeSync, constants, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Socket } from 'node:net';

export interface ReadInputOptions {
  // False: a pipe is refused like a device (for what is read again later, which a pipe cannot be).
  pipes?: boolean;
  // How long a pipe's writer may take to write and close it.
  boundMs?: number;
  // Larger inputs are refused.
  maxBytes?: number;
  // Stops the wait on a pipe (Ctrl-C); the read rejects with the signal's reason.
  signal?: AbortSignal;
}

export const PIPE_BOUND_MS = 30_000;
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

// Why the file could not be read, as a phrase that follows its path: "does not exist", "is a directory".
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path} ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

// What was read, and whether it came from a pipe (which cannot be read a second time).
export interface InputText {
  text: string;
  pipe: boolean;
}

export async function readInputFile(path: string, options: ReadInputOptions = {}): Promise<InputText> {
  options.signal?.throwIfAborted();
  const stats = await stat(path).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  if (stats.isFIFO() && options.pipes !== false) return { text: await readPipe(path, options), pipe: true };
  refuseUnlessRegular(path, stats, options);
  try {
    return { text: await readFile(path, { encoding: 'utf8', ...(options.signal === undefined ? {} : { signal: options.signal }) }), pipe: false };
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw unreadable(path, error);
  }
}

export function readInputFileSync(path: string, options: Omit<ReadInputOptions, 'signal'> = {}): InputText {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (stats.isFIFO() && options.pipes !== false) return { text: pollPipe(path, options), pipe: true };
  refuseUnlessRegular(path, stats, options);
  try {
    return { text: readFileSync(path, 'utf8'), pipe: false };
  } catch (error) {
    throw unreadable(path, error);
  }
}

function refuseUnlessRegular(path: string, stats: Stats, options: ReadInputOptions): void {
  if (stats.isDirectory()) throw new InputFileError(path, 'is a directory, not a file');
  if (stats.isFIFO()) throw new InputFileError(path, 'is a pipe, not a file');
  if (!stats.isFile()) throw new InputFileError(path, `is ${kind(stats)}, not a file${options.pipes === false ? '' : ' or a pipe'}`);
  const max = options.maxBytes ?? MAX_INPUT_BYTES;
  if (stats.size > max) throw new InputFileError(path, `is larger than ${mib(max)}`);
}

// A pipe opened without blocking (open() of a pipe with no writer would wait for one) and read as a
// stream the event loop polls, so a signal or the bound ends the wait and nothing is left pending.
function readPipe(path: string, options: ReadInputOptions): Promise<string> {
  const boundMs = options.boundMs ?? PIPE_BOUND_MS;
  const max = options.maxBytes ?? MAX_INPUT_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return Promise.reject(unreadable(path, error));
  }
  return new Promise<string>((resolve, reject) => {
    const socket = new Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: unknown, text?: string): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error === undefined) resolve(text ?? '');
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onAbort = (): void => finish(options.signal?.reason);
    const timer = setTimeout(
      () =>
        finish(
          new InputFileError(
            path,
            size === 0
              ? `is a pipe and nothing wrote to it and closed it within ${seconds(boundMs)}`
              : `is a pipe whose writer did not close it within ${seconds(boundMs)} (${size} bytes so far)`,
          ),
        ),
      boundMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) finish(new InputFileError(path, `is a pipe that gave more than ${mib(max)}`));
      else chunks.push(chunk);
    });
    socket.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (error) => finish(unreadable(path, error)));
  });
}

// The same without an event loop: the pipe is polled every POLL_MS. Until something is written, an
// end of file means no writer has come yet (a pipe opened without blocking reads as empty then);
// after, the writer has closed it.
function pollPipe(path: string, options: Omit<ReadInputOptions, 'signal'>): string {
  const boundMs = options.boundMs ?? PIPE_BOUND_MS;
  const max = options.maxBytes ?? MAX_INPUT_BYTES;
  const deadline = Date.now() + boundMs;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(path, error);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const buffer = Buffer.alloc(64 * 1024);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  try {
    for (;;) {
      let read = 0;
      try {
        read = readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw unreadable(path, error);
        read = -1;
      }
      if (read > 0) {
        size += read;
        if (size > max) throw new InputFileError(path, `is a pipe that gave more than ${mib(max)}`);
        chunks.push(Buffer.from(buffer.subarray(0, read)));
        continue;
      }
      if (read === 0 && size > 0) return Buffer.concat(chunks).toString('utf8');
      if (Date.now() >= deadline) {
        throw new InputFileError(
          path,
          size === 0
            ? `is a pipe and nothing wrote to it and closed it within ${seconds(boundMs)}`
            : `is a pipe whose writer did not close it within ${seconds(boundMs)} (${size} bytes so far)`,
        );
      }
      Atomics.wait(pause, 0, 0, POLL_MS);
    }
  } finally {
    closeSync(fd);
  }
}

const POLL_MS = 20;

function unreadable(path: string, error: unknown): InputFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'is not readable (permission denied)'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'ENOTDIR'
            ? 'does not exist (a part of its path is not a directory)'
            : `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return new InputFileError(path, reason, { cause: error });
}

function kind(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device (a terminal or a device)';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${Math.round(bytes / (1024 * 1024))} MiB`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
