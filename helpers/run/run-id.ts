// A run's identity: sd-YYYYMMDD-xxxxxx (UTC date, 6 random hex digits). It names the run's
// namespaces and labels everything the run creates, so leftovers can be traced to their run.
import { randomBytes } from 'node:crypto';
import { InvalidValue, quote, type ValueType } from '../config-values.ts';

const RUN_ID = /^sd-\d{8}-[0-9a-f]{6}$/;
export const RUN_ID_EXAMPLE = 'sd-20250304-abcd01';

export function newRunId(now: Date = new Date(), random: (size: number) => Buffer = randomBytes): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `sd-${date}-${random(3).toString('hex')}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}

// A run id as a setting (cleanup --run): checked before anything asks the cluster about it.
function parseRunId(raw: string): string {
  const value = raw.trim();
  if (!isRunId(value)) throw new InvalidValue(`must be a run id such as ${RUN_ID_EXAMPLE} (sd-, the UTC date, 6 lowercase hex digits), got ${quote(raw)}`);
  return value;
}

export const runIdValue: ValueType<string> = {
  flag: { type: 'string' },
  shape: 'RUN_ID',
  expects: `a run id such as ${RUN_ID_EXAMPLE}`,
  fromText: parseRunId,
  fromJson(value) {
    if (typeof value !== 'string') throw new InvalidValue(`must be a run id string such as "${RUN_ID_EXAMPLE}", got ${value === null ? 'null' : typeof value}`);
    return parseRunId(value);
  },
};
