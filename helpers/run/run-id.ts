// A run's identity: sd-YYYYMMDD-xxxxxx (UTC date, 6 random hex digits). It names the run's
// namespaces and labels everything the run creates, so leftovers can be traced to their run.
import { randomBytes } from 'node:crypto';

const RUN_ID = /^sd-\d{8}-[0-9a-f]{6}$/;

export function newRunId(now: Date = new Date(), random: (size: number) => Buffer = randomBytes): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `sd-${date}-${random(3).toString('hex')}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}
