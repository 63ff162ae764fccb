// Holds a suite file to its manifest while vitest collects it: every check() the file defines must
// be declared in the manifest and every declared check defined, or the suite fails to load, naming
// the suite file's location and each difference. (`list` shows the manifest without running the
// suite, so the two must never drift.)
import { describe } from 'vitest';
import { checkDrift, type CheckDeclaration, type SuiteManifest } from './manifest.ts';

interface Collecting {
  manifest: SuiteManifest;
  location: string;
  path: string[];
  defined: Pick<CheckDeclaration, 'title' | 'description'>[];
}

let collecting: Collecting | undefined;

export class UndeclaredCheckError extends Error {
  override readonly name = 'UndeclaredCheckError';
}

// Called by defineSuite before its body: remembers the manifest and where the suite file called it.
export function startCollecting(manifest: SuiteManifest): void {
  collecting = { manifest, location: callerLocation(), path: [], defined: [] };
}

// Inside a group's body, the checks' titles carry the group's.
export function inGroup<T>(title: string, body: () => T): T {
  const current = collecting;
  current?.path.push(title);
  try {
    return body();
  } finally {
    current?.path.pop();
  }
}

// The title a check declared as `full` has inside the groups being collected: the declared title
// less the groups' prefix. One that does not begin with it is kept whole, and the drift names it.
export function localTitle(full: string): string {
  const prefix = (collecting?.path ?? []).map((title) => `${title} › `).join('');
  return full.startsWith(prefix) ? full.slice(prefix.length) : full;
}

// Records a check the suite file defines; returns its suite and full title (groups › title).
export function recordCheck(title: string, description: string): { suite: string | undefined; title: string } {
  const full = [...(collecting?.path ?? []), title].join(' › ');
  collecting?.defined.push({ title: full, description });
  return { suite: collecting?.manifest.name, title: full };
}

// Called at the end of defineSuite's body. Groups are collected after it returns, in order, so the
// comparison is registered as the suite's last block: vitest collects it after every group.
export function finishCollecting(): void {
  const current = collecting;
  if (current === undefined) return;
  describe.skip('(the manifest declares every check)', () => {
    collecting = undefined;
    const problems = checkDrift(current.manifest, current.defined);
    if (problems.length > 0) {
      throw new UndeclaredCheckError(`suite ${current.manifest.name} (${current.location}) does not match its manifest: ${problems.join('; ')}`);
    }
  });
}

// The first stack frame in a suite file, as path:line:column.
function callerLocation(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const frame = frames.find((line) => line.includes('.suite.ts')) ?? frames.find((line) => !line.includes('/helpers/engine/')) ?? '';
  const match = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(frame.trim());
  return (match?.[1] ?? 'unknown location').replace(/^file:\/\//, '');
}
