// Where a report (--junit, --json, --html) goes, decided from what the path names: `-` is standard
// output; a device or a FIFO (/dev/null, /dev/stdout) is written to directly; a regular file, or
// none yet, is written atomically beside the file at the end of any chain of symbolic links, so a
// link stays a link. A path that cannot hold a report (an unwritable directory, a directory, a
// block device, a kernel filesystem such as /proc or /sys) is refused. The CLI asks before the run
// starts (checkReportPaths: exit 2 at once, naming the flag) and refuses a missing directory too;
// the writer asks again when it writes (atomic-write.ts), since the file system may have changed
// during the run. Nothing here creates, opens or changes a file.
import { accessSync, constants, lstatSync, readlinkSync, realpathSync, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { describeSource, type Layers, type Resolved, type Source } from '../helpers/config.ts';
import { ShakedownError } from '../helpers/errors.ts';
import type { SettingKey } from '../helpers/settings.ts';

export const STDOUT = '-';

export type ReportTarget =
  | { kind: 'stdout' }
  // Opened for writing as named, never replaced, never synced: a character device, a FIFO, or a
  // descriptor link of /proc (/dev/stdout redirected to a file), whose writes are appended.
  | { kind: 'direct'; path: string }
  // A regular file at `path` (the end of any chain of links), or none yet: a temporary file beside
  // it is written, synced and renamed over it. `existing` is the file it replaces; `missing`, the
  // directory that would have to be made first (the CLI refuses it; the writer makes it).
  | { kind: 'file'; path: string; existing: Stats | undefined; missing?: string };

export type ReportPath = ReportTarget | { kind: 'refused'; problem: string };

// Kernel filesystems by their statfs magic number: a report written there is at best lost, at worst
// a kernel setting (or, creating a directory in /proc, a writer that never ends).
const KERNEL_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0xcafe4a11, 'bpffs'],
  [0x6165676c, 'pstore'],
]);
const KERNEL_TREES: readonly [string, string][] = [
  ['/proc', 'procfs'],
  ['/sys', 'sysfs'],
];
// As the kernel's own limit on links followed in one lookup.
const MAX_LINKS = 40;

const errno = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

// What the path names, following links; undefined when nothing is there (or a parent is a file).
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

function lstatOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

// The kernel filesystem an existing path is on, if it is on one.
function kernelFilesystem(existing: string): string | undefined {
  let real = existing;
  try {
    real = realpathSync(existing);
    const found = KERNEL_FILESYSTEMS.get(statfsSync(existing).type);
    if (found !== undefined) return found;
  } catch {
    // Unreadable: the tree it is in still says.
  }
  return KERNEL_TREES.find(([tree]) => real === tree || real.startsWith(`${tree}${sep}`))?.[1];
}

// The nearest existing ancestor of a path that does not exist.
function nearestExisting(path: string): { path: string; stats: Stats } {
  for (let current = dirname(path); ; current = dirname(current)) {
    const stats = statOf(current);
    // The root always exists.
    if (stats !== undefined || dirname(current) === current) return { path: current, stats: stats ?? statSync(current) };
  }
}

function describeDevice(stats: Stats): string | undefined {
  if (stats.isBlockDevice()) return 'is a block device: a report is never written over a disk';
  if (stats.isSocket()) return 'is a socket: a report goes to a file, a character device or a FIFO';
  return undefined;
}

function writable(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (error) {
    return errno(error);
  }
}

// Where `path` (absolute, or relative to the working directory) sends a report, or why it cannot.
export function reportPath(path: string): ReportPath {
  if (path === STDOUT) return { kind: 'stdout' };
  if (path === '') return { kind: 'refused', problem: 'is empty' };
  const given = resolve(path);
  try {
    const stats = statOf(given);
    if (stats?.isDirectory() === true) return { kind: 'refused', problem: 'is a directory; name a file in it' };
    if (stats !== undefined && !stats.isFile()) {
      const refused = describeDevice(stats);
      if (refused !== undefined) return { kind: 'refused', problem: refused };
      const denied = writable(given, constants.W_OK);
      return denied === undefined ? { kind: 'direct', path: given } : { kind: 'refused', problem: `is not writable (${denied})` };
    }
    // A regular file or nothing: follow the links one at a time to the file the report replaces.
    let target = given;
    for (let links = 0; ; links += 1) {
      const here = lstatOf(target);
      if (here?.isSymbolicLink() !== true) break;
      if (links === MAX_LINKS) return { kind: 'refused', problem: 'has too many levels of symbolic links' };
      // A descriptor link of /proc (/dev/stdout -> /proc/self/fd/1 -> a file the shell opened): its
      // file is written through the descriptor, never replaced behind the shell's back.
      if (stats !== undefined && kernelFilesystem(dirname(target)) !== undefined) return { kind: 'direct', path: given };
      target = resolve(dirname(target), readlinkSync(target));
    }
    const via = target === given ? '' : ` (it links to ${target})`;
    const dir = dirname(target);
    const dirStats = statOf(dir);
    if (dirStats === undefined) {
      const ancestor = nearestExisting(dir);
      const kernel = kernelFilesystem(ancestor.path);
      if (kernel !== undefined)
        return { kind: 'refused', problem: `is under ${ancestor.path}, on ${kernel} (a kernel filesystem): no report is written there${via}` };
      if (!ancestor.stats.isDirectory()) return { kind: 'refused', problem: `${ancestor.path} is not a directory${via}` };
      const denied = writable(ancestor.path, constants.W_OK | constants.X_OK);
      if (denied !== undefined)
        return { kind: 'refused', problem: `the directory ${dir} does not exist, and ${ancestor.path} is not writable (${denied})${via}` };
      return { kind: 'file', path: target, existing: undefined, missing: dir };
    }
    if (!dirStats.isDirectory()) return { kind: 'refused', problem: `${dir} is not a directory${via}` };
    const kernel = kernelFilesystem(dir);
    if (kernel !== undefined) return { kind: 'refused', problem: `is on ${kernel} (a kernel filesystem): no report is written there${via}` };
    // The temporary file is made in the directory and renamed over the target: it needs write and search.
    const denied = writable(dir, constants.W_OK | constants.X_OK);
    if (denied !== undefined) return { kind: 'refused', problem: `the directory ${dir} is not writable (${denied})${via}` };
    const existing = target === given ? stats : statOf(target);
    return { kind: 'file', path: target, existing };
  } catch (error) {
    const code = errno(error);
    if (code === 'ELOOP') return { kind: 'refused', problem: 'has too many levels of symbolic links' };
    return { kind: 'refused', problem: `cannot be looked up (${code}: ${(error as Error).message})` };
  }
}

const REPORT_KEYS = ['junit', 'json', 'html'] as const;

function named(source: Source): string {
  return source.kind === 'flag' ? `--${source.flag}` : describeSource(source);
}

const NAME_A_FILE = 'Name a file in an existing, writable directory (a directory is not created for a report), or - for standard output.';

function refuse(source: Source, message: string, hint = NAME_A_FILE): ShakedownError {
  return new ShakedownError(source.kind === 'flag' ? 'SD_BAD_FLAG' : 'SD_CONFIG_INVALID', message, { hint });
}

// The value as the user wrote it (resolution made `-` a file of that name in the working directory).
function asWritten(source: Source, layers: Layers): unknown {
  switch (source.kind) {
    case 'flag':
      return layers.flags[source.flag];
    case 'env':
      return layers.env[source.variable];
    case 'file':
      return layers.file?.values[source.key];
    case 'default':
      return undefined;
  }
}

// One report path as the CLI takes it, before anything is run: where it goes, or SD_BAD_FLAG
// (SD_CONFIG_INVALID from a variable or the config file) naming where it was given, the path and
// what is wrong. A missing directory is refused too: a typo is said at once, not made.
export function checkReportPath(path: string, source: Source): ReportTarget {
  const target = reportPath(path);
  if (target.kind === 'refused') throw refuse(source, `${named(source)} ${path}: ${target.problem}`);
  if (target.kind === 'file' && target.missing !== undefined) {
    const via = target.path === resolve(path) ? '' : ` (it links to ${target.path})`;
    throw refuse(source, `${named(source)} ${path}: the directory ${target.missing} does not exist${via}`);
  }
  return target;
}

// The report paths of a command, checked before anything else happens (the kubeconfig, the
// cluster): the settings with a report written as `-` set back to `-` (standard output), or
// SD_BAD_FLAG (SD_CONFIG_INVALID from a variable or the config file) naming the flag, the path and
// what is wrong. `deploy` writes reports only with --wait.
export function checkReportPaths(command: string, resolved: Resolved<SettingKey>, layers: Layers): Resolved<SettingKey> {
  const { sources } = resolved;
  const settings = { ...resolved.settings };
  if (command === 'deploy' && !settings.wait) return resolved;
  const toStdout: Source[] = [];
  const files = new Map<string, Source>();
  for (const key of REPORT_KEYS) {
    const path = settings[key];
    const source = sources[key];
    if (path === undefined) continue;
    if (asWritten(source, layers) === STDOUT) {
      settings[key] = STDOUT;
      toStdout.push(source);
      continue;
    }
    const target = checkReportPath(path, source);
    if (target.kind !== 'file') continue;
    const other = files.get(target.path);
    if (other !== undefined)
      throw refuse(
        source,
        `${named(other)} and ${named(source)} both write ${target.path}: one report would replace the other`,
        'Give each report a file of its own.',
      );
    files.set(target.path, source);
  }
  const [first, second] = toStdout;
  if (first !== undefined && second !== undefined) {
    throw refuse(
      second,
      `${toStdout.map(named).join(' and ')} are ${toStdout.length === 2 ? 'both' : 'all'} - (standard output): only one report can go there`,
      'Send one report to - and write the others to files.',
    );
  }
  if (first !== undefined && settings.reportLog)
    throw refuse(first, `${named(first)} -: --report-log prints the reports itself at the end of the output`, 'Name files for the reports, or leave them out.');
  return { settings, sources };
}
