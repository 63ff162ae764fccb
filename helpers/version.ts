// Which shakedown this is: the package's version, the commit it was built from when known (a git
// checkout's HEAD, or SHAKEDOWN_COMMIT, which the Containerfile sets from its REVISION argument),
// and the Node.js that runs it. `shakedown version` prints it; every report carries it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The package this code runs from.
const OWN_ROOT = resolve(import.meta.dirname, '..');

export interface VersionInfo {
  version: string;
  commit: string | undefined;
  node: string;
}

const COMMIT = /^[0-9a-f]{7,64}$/;

// HEAD of a git checkout at root, read from its files (no git binary needed); undefined elsewhere.
export function gitCommit(root: string): string | undefined {
  const git = join(root, '.git');
  try {
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (COMMIT.test(head)) return head;
    const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
    if (ref === undefined) return undefined;
    const loose = join(git, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(git, 'packed-refs'), 'utf8')
      .split('\n')
      .find((line) => line.endsWith(` ${ref}`));
    return packed?.split(' ')[0];
  } catch {
    return undefined;
  }
}

export function versionInfo(root: string = OWN_ROOT, env: Readonly<Record<string, string | undefined>> = process.env): VersionInfo {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const given = env.SHAKEDOWN_COMMIT?.trim();
  const commit = gitCommit(root) ?? (given !== undefined && COMMIT.test(given) ? given : undefined);
  return { version, commit, node: process.version };
}

export function versionLine(info: VersionInfo): string {
  return `shakedown ${info.version}${info.commit === undefined ? '' : ` (commit ${info.commit.slice(0, 12)})`}, Node.js ${info.node}`;
}

// What the reports record of it (run.properties).
export function versionProperties(info: VersionInfo): Record<string, string> {
  return { 'shakedown.version': info.version, ...(info.commit === undefined ? {} : { 'shakedown.commit': info.commit }), 'shakedown.node': info.node };
}
