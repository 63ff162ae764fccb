// Progress lines of the cluster harness: one line a step, timestamps relative to the start.
const t0 = Date.now();
const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;

export const log = {
  step: (msg: string): void => console.log(`${stamp()} ${msg}`),
  done: (msg: string): void => console.log(`${stamp()} ✓ ${msg}`),
  warn: (msg: string): void => console.error(`${stamp()} ! ${msg}`),
};
