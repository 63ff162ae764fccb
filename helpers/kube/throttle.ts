// A client-side bound on requests per second to the API server, as client-go's token bucket:
// up to `burst` requests at once, then `qps` per second. Waiters are served in arrival order.

export interface Throttle {
  take(): Promise<void>;
}

export interface ThrottleOptions {
  qps: number;
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const burst = Math.max(1, options.burst ?? options.qps * 2);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const intervalMs = 1000 / options.qps;
  let tokens = burst;
  let refilledAt = now();
  // Each caller waits behind the one before it, so the order of take() is the order of requests.
  let queue: Promise<void> = Promise.resolve();

  function refill(): void {
    const t = now();
    tokens = Math.min(burst, tokens + (t - refilledAt) / intervalMs);
    refilledAt = t;
  }

  async function takeInOrder(): Promise<void> {
    refill();
    while (tokens < 1) {
      await sleep((1 - tokens) * intervalMs);
      refill();
    }
    tokens -= 1;
  }

  return {
    take() {
      const turn = queue.then(takeInOrder);
      queue = turn;
      return turn;
    },
  };
}
