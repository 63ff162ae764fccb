// Builds what the cluster runs from the package registries, cached outside the repo and keyed by
// the pinned versions: Go components through wrapper modules, and our own tiny pause binary.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { flannelComponents, type GoComponent, goComponents, kubeadmComponents, upgradeComponents } from './components.ts';
import { ClusterError } from './errors.ts';
import { cacheDir } from './layout.ts';
import { log } from './log.ts';
import { run, runLogged } from './sh.ts';

interface GoModJson {
  Go?: string;
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
  Exclude?: { Path: string; Version: string }[];
}

function goEnv(c: GoComponent): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: c.cgo ? '1' : '0',
    GONOSUMDB: (c.noSumDb ?? []).join(','),
  };
}

let goVersionCache: string | undefined;
function goVersion(): string {
  goVersionCache ??= run('go', ['env', 'GOVERSION'], { hint: 'install Go 1.24 or newer' }).trim();
  return goVersionCache;
}

/** Bump when the build recipe changes in a way the component data does not show (e.g. localReplace). */
const recipe = 3;

function componentKey(c: GoComponent): string {
  const { localReplace: _code, ...data } = c;
  return createHash('sha256')
    .update(JSON.stringify({ ...data, go: goVersion(), recipe }))
    .digest('hex')
    .slice(0, 12);
}

function componentBinDir(c: GoComponent): string {
  return join(cacheDir, 'build', `${c.name}-${c.version}-${componentKey(c)}`, 'bin');
}

export function binary(name: string): string {
  for (const c of goComponents) {
    if (builtNames(c).includes(name)) return join(componentBinDir(c), name);
  }
  throw new Error(`no component builds ${name}`);
}

/** What the build kept of a component's module (its `moduleFiles`), e.g. cert-manager's CRDs. */
export function componentModuleFile(component: string, name: string): string {
  const c = goComponents.find((g) => g.name === component);
  if (c?.moduleFiles?.[name] === undefined) throw new Error(`component ${component} keeps no ${name} of its module`);
  return join(dirname(componentBinDir(c)), 'module', name);
}

/** A binary of a named component (flanneld and the flannel CNI plugin are both called flannel). */
export function componentBinary(component: string, name: string): string {
  const c = [...goComponents, ...flannelComponents, ...kubeadmComponents, ...upgradeComponents].find((g) => g.name === component);
  if (!c || !builtNames(c).includes(name)) throw new Error(`component ${component} builds no ${name}`);
  return join(componentBinDir(c), name);
}

/** The name go build gives a main package: its last path element, or the one before a major-version suffix (etcd/server/v3: server). */
function goBinaryName(cmd: string): string {
  const parts = cmd.split('/');
  const last = parts.at(-1) ?? cmd;
  return /^v\d+$/.test(last) && parts.length > 1 ? (parts.at(-2) ?? last) : last;
}

/** The binaries a component's build leaves, by name. */
function builtNames(c: GoComponent): string[] {
  return c.commands.map((cmd) => c.binaryNames?.[goBinaryName(cmd)] ?? goBinaryName(cmd));
}

/** Compares Go versions like 1.14 and 1.24.0 numerically. */
function goAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The wrapper go.mod: requires the component, inherits its replace and exclude directives. */
export function wrapperGoMod(c: GoComponent, dep: GoModJson): string {
  const declared = dep.Go ?? '1.24.0';
  const go = c.minGo !== undefined && !goAtLeast(declared, c.minGo) ? c.minGo : declared;
  const lines = [`module shakedown.local/build/${c.name}`, '', `go ${go}`, ''];
  if (c.godebug) lines.push(`godebug ${c.godebug}`, '');
  lines.push(`require ${c.module} ${c.version}`, '');
  for (const r of dep.Replace ?? []) {
    const old = r.Old.Version ? `${r.Old.Path} ${r.Old.Version}` : r.Old.Path;
    const target = r.New.Path.startsWith('.')
      ? (
          c.localReplace ??
          ((p: string) => {
            throw new Error(`${c.name}: no rule for local replace ${p}`);
          })
        )(r.New.Path)
      : `${r.New.Path}${r.New.Version ? ` ${r.New.Version}` : ''}`;
    if (target !== null) lines.push(`replace ${old} => ${target}`);
  }
  for (const [module, target] of Object.entries(c.replace ?? {})) lines.push(`replace ${module} => ${target}`);
  for (const e of dep.Exclude ?? []) lines.push(`exclude ${e.Path} ${e.Version}`);
  lines.push('');
  for (const cmd of c.commands) lines.push(`tool ${cmd}`);
  return `${lines.join('\n')}\n`;
}

async function buildGoComponent(c: GoComponent): Promise<void> {
  const bin = componentBinDir(c);
  if (existsSync(join(bin, '.complete'))) return;
  const dir = dirname(bin);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  const logDir = join(cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `build-${c.name}.log`);
  writeFileSync(logFile, '');
  const env = goEnv(c);
  const started = Date.now();
  log.step(`building ${c.name} ${c.version} (cold builds take minutes; log: ${logFile})`);
  const downloaded = JSON.parse(run('go', ['mod', 'download', '-json', `${c.module}@${c.version}`], { env, cwd: dir })) as { GoMod: string; Dir: string };
  const dep = JSON.parse(run('go', ['mod', 'edit', '-json', downloaded.GoMod], { env, cwd: dir })) as GoModJson;
  writeFileSync(join(dir, 'go.mod'), wrapperGoMod(c, dep));
  for (const [path, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const hint = `see ${logFile}; a newer Go may need GOTOOLCHAIN set to the Go the module declares`;
  try {
    await runLogged('go', ['mod', 'tidy'], logFile, { env, cwd: dir, hint });
    const ldflags = ['-s', '-w', ...(c.ldflags ?? [])].join(' ');
    const tags = c.tags ? ['-tags', c.tags.join(',')] : [];
    await runLogged('go', ['build', '-trimpath', ...tags, '-ldflags', ldflags, '-o', `${bin}/`, ...c.commands], logFile, { env, cwd: dir, hint });
  } catch (err) {
    throw new ClusterError('CLUSTER_BUILD_FAILED', `building ${c.name} ${c.version} failed`, {
      cause: err,
      hint,
      ...(err instanceof ClusterError && err.logTail ? { logTail: err.logTail } : {}),
    });
  }
  for (const [built, name] of Object.entries(c.binaryNames ?? {})) renameSync(join(bin, built), join(bin, name));
  for (const [name, path] of Object.entries(c.moduleFiles ?? {})) cpSync(join(downloaded.Dir, path), join(dir, 'module', name), { recursive: true });
  writeFileSync(join(bin, '.complete'), `${Date.now() - started} ms\n`);
  // Builds of earlier pins or recipes are dead weight now.
  const buildRoot = dirname(dir);
  for (const old of readdirSync(buildRoot)) {
    if (old.startsWith(`${c.name}-v`) && join(buildRoot, old) !== dir) rmSync(join(buildRoot, old), { recursive: true, force: true });
  }
  log.done(`built ${c.name} in ${Math.round((Date.now() - started) / 1000)} s`);
}

const pauseSource = readFileSync(join(import.meta.dirname, 'images', 'pause.c'), 'utf8');

/** Our pause binary: PID 1 of every pod sandbox, statically linked. */
export function pauseBinary(): string {
  const key = createHash('sha256').update(pauseSource).digest('hex').slice(0, 12);
  const out = join(cacheDir, 'build', `pause-${key}`, 'pause');
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    run('gcc', ['-Os', '-static', '-o', out, join(import.meta.dirname, 'images', 'pause.c')], { hint: 'apt-get install gcc libc6-dev' });
  }
  return out;
}

export async function buildAll(o: { flannel?: boolean; kubeadm?: boolean; upgrade?: boolean } = {}): Promise<void> {
  // One build at a time: each go build already uses every core, and parallel links exhaust memory.
  for (const c of goComponents) await buildGoComponent(c);
  if (o.flannel) for (const c of flannelComponents) await buildGoComponent(c);
  if (o.kubeadm) for (const c of kubeadmComponents) await buildGoComponent(c);
  if (o.upgrade) for (const c of upgradeComponents) await buildGoComponent(c);
  pauseBinary();
}
