import type { ColorSupportLevel } from 'chalk';

// Decides the colour level from an injected stream and environment, so tests do
// not depend on the terminal they run in (chalk's own detection reads the process).
//
// FORCE_COLOR is read as chalk reads it and wins over everything: "0"/"false"
// turn colour off, "1".."3" pick a level, "true" or empty turn it on. Otherwise
// colour needs a TTY, NO_COLOR unset or empty (no-color.org), and a TERM that
// is not "dumb".

export type Env = Readonly<Record<string, string | undefined>>;

export function colorLevel(stream: { isTTY?: boolean }, env: Env): ColorSupportLevel {
  const forced = forceColorLevel(env.FORCE_COLOR);
  if (forced !== undefined) return forced;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (stream.isTTY !== true || env.TERM === 'dumb') return 0;
  return 1;
}

function forceColorLevel(value: string | undefined): ColorSupportLevel | undefined {
  if (value === undefined) return undefined;
  if (value === 'false') return 0;
  if (value === 'true' || value === '') return 1;
  if (!/^\d+$/.test(value)) return undefined;
  const level = Math.min(Number.parseInt(value, 10), 3);
  return level as ColorSupportLevel;
}
