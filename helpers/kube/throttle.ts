// A client-side bound on requests per second to the API server, as client-go's token bucket: up to
// `burst` requests at once, then `qps` per second.
//
// One bound for the whole run: every suite worker (a thread) and the engine take from the same
// bucket, a SharedArrayBuffer (`rateBudget`) handed to the workers with the run context. A suite
// that needs many calls while the others are idle gets the whole rate; when several are busy they
// take turns, because each throttle (one per session, i.e. per suite) holds at most one reservation
// at a time and serves its own callers in arrival order. (A fixed share per suite left most of the
// rate unused: the quick profile's NetworkPolicy world waited seconds at 2 qps beside nine idle
// suites.) The bucket is kept as a theoretical arrival time (GCRA): each request reserves the next
// slot with one compare-and-swap and sleeps until the slot is due.

export interface Throttle {
  take(): Promise<void>;
}

// The run's one rate limit, structured-cloneable: `cell` is shared, not copied, with worker threads.
export interface RateBudget {
  qps: number;
  burst: number;
  cell: SharedArrayBuffer;
}

export interface ThrottleOptions {
  qps: number;
  burst?: number;
  // The shared bucket; a private one when absent.
  cell?: SharedArrayBuffer;
  // Milliseconds on a clock every thread shares (default: wall-clock epoch with sub-ms precision).
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const CELL_BYTES = BigInt64Array.BYTES_PER_ELEMENT;

export function rateBudget(qps: number, burst = qps * 2): RateBudget {
  return { qps, burst: Math.max(1, burst), cell: new SharedArrayBuffer(CELL_BYTES) };
}

// performance.now() counts from each thread's own start; with timeOrigin it is the same clock everywhere.
const sharedNow = () => performance.timeOrigin + performance.now();

export function createThrottle(options: ThrottleOptions): Throttle {
  const burst = Math.max(1, options.burst ?? options.qps * 2);
  const now = options.now ?? sharedNow;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const intervalUs = BigInt(Math.max(1, Math.round(1_000_000 / options.qps)));
  const toleranceUs = BigInt(burst - 1) * intervalUs;
  // The theoretical arrival time of the next request, in microseconds of `now`.
  const tat = new BigInt64Array(options.cell ?? new SharedArrayBuffer(CELL_BYTES));

  // Reserves the next slot; returns how long to wait for it, in milliseconds.
  function reserve(): number {
    for (;;) {
      const t = BigInt(Math.round(now() * 1000));
      const seen = Atomics.load(tat, 0);
      const slot = seen > t ? seen : t;
      if (Atomics.compareExchange(tat, 0, seen, slot + intervalUs) === seen) return Number(slot - toleranceUs - t) / 1000;
    }
  }

  // Each caller waits behind the one before it: the order of take() is the order of requests, and
  // this throttle never holds more than one slot of the shared bucket.
  let queue: Promise<void> = Promise.resolve();
  async function takeInOrder(): Promise<void> {
    const waitMs = reserve();
    if (waitMs > 0) await sleep(waitMs);
  }

  return {
    take() {
      const turn = queue.then(takeInOrder);
      queue = turn;
      return turn;
    },
  };
}
