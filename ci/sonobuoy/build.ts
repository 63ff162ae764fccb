// sonobuoy, built here from its Go module the way ci/cluster/build.ts builds the cluster's
// components (a wrapper module that requires it, cached outside the repo under a key made of what
// goes into the build), and its image made the way the cluster makes its others (ci/cluster/images.ts:
// the static binary in a minimal root filesystem, imported into every node's containerd under a
// fully qualified name, never :latest). sonobuoy's aggregator and its worker sidecar both run from
// that image (sonobuoy run --sonobuoy-image), as upstream's image holds the one binary at /sonobuoy.
//
// The module proxy serves exactly v0.57.5 (listing is refused, so `go install ...@latest` fails).
//
//   npx node ci/sonobuoy/build.ts     build (cached) and import the image into every running node
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { wrapperGoMod } from '../cluster/build.ts';
import type { GoComponent } from '../cluster/components.ts';
import { ClusterError } from '../cluster/errors.ts';
import { imageArchive, registry, type ImageSpec } from '../cluster/images.ts';
import { cacheDir, runningNodes } from '../cluster/layout.ts';
import { importImage } from '../cluster/node.ts';
import { run, runLogged } from '../cluster/sh.ts';

export const SONOBUOY_VERSION = '0.57.5';
const MODULE = 'github.com/vmware-tanzu/sonobuoy';

export const sonobuoyComponent: GoComponent = {
  name: 'sonobuoy',
  module: MODULE,
  version: `v${SONOBUOY_VERSION}`,
  commands: [MODULE],
  // Without it the binary says v0.57.4 (pkg/buildinfo's default, one release behind).
  ldflags: [`-X ${MODULE}/pkg/buildinfo.Version=v${SONOBUOY_VERSION}`],
};

/** Bump when the recipe below changes in a way the component data does not show. */
const recipe = 1;

function goVersion(): string {
  return run('go', ['env', 'GOVERSION'], { hint: 'install Go 1.26 or newer (sonobuoy v0.57.5 declares go 1.26.4)' }).trim();
}

// Everything that decides the binary: the component (module, version, flags) and the Go toolchain.
export function buildKey(component: GoComponent, go: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...component, go, recipe }))
    .digest('hex')
    .slice(0, 12);
}

export function sonobuoyImageRef(): string {
  return `${registry}/sonobuoy:v${SONOBUOY_VERSION}`;
}

export interface Built {
  binary: string;
  // Whether this call built it (false: it came from the cache).
  built: boolean;
  ms: number;
}

/** Builds sonobuoy once per key; later calls return the cached binary. */
export async function buildSonobuoy(log: (line: string) => void = () => undefined): Promise<Built> {
  const started = Date.now();
  const c = sonobuoyComponent;
  const dir = join(cacheDir, 'build', `${c.name}-${c.version}-${buildKey(c, goVersion())}`);
  const binary = join(dir, 'bin', 'sonobuoy');
  if (existsSync(join(dir, 'bin', '.complete'))) return { binary, built: false, ms: Date.now() - started };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(cacheDir, 'logs'), { recursive: true });
  const logFile = join(cacheDir, 'logs', `build-${c.name}.log`);
  writeFileSync(logFile, '');
  log(`building sonobuoy ${c.version} (cold: a minute or more; log: ${logFile})`);
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  const hint = `see ${logFile}`;
  try {
    const downloaded = JSON.parse(run('go', ['mod', 'download', '-json', `${c.module}@${c.version}`], { env, cwd: dir, hint })) as { GoMod: string };
    const dependency = JSON.parse(run('go', ['mod', 'edit', '-json', downloaded.GoMod], { env, cwd: dir })) as Parameters<typeof wrapperGoMod>[1];
    writeFileSync(join(dir, 'go.mod'), wrapperGoMod(c, dependency));
    await runLogged('go', ['mod', 'tidy'], logFile, { env, cwd: dir, hint });
    await runLogged(
      'go',
      ['build', '-trimpath', '-ldflags', ['-s', '-w', ...(c.ldflags ?? [])].join(' '), '-o', `${join(dir, 'bin')}/`, ...c.commands],
      logFile,
      { env, cwd: dir, hint },
    );
  } catch (error) {
    throw new ClusterError('CLUSTER_BUILD_FAILED', `building sonobuoy ${c.version} failed`, {
      cause: error,
      hint,
      ...(error instanceof ClusterError && error.logTail !== undefined ? { logTail: error.logTail } : {}),
    });
  }
  const ms = Date.now() - started;
  writeFileSync(join(dir, 'bin', '.complete'), `${ms} ms\n`);
  // Builds under other keys (an older Go, an older recipe) are dead weight now.
  const root = dirname(dir);
  for (const old of readdirSync(root)) if (old.startsWith(`${c.name}-`) && join(root, old) !== dir) rmSync(join(root, old), { recursive: true, force: true });
  return { binary, built: true, ms };
}

// As upstream's image: the binary at /sonobuoy (its pod specs run /sonobuoy aggregator and
// /sonobuoy worker). The aggregator runs as root there too; it writes under /tmp/sonobuoy.
export function sonobuoyImageSpec(binary: string): ImageSpec {
  return { ref: sonobuoyImageRef(), files: { sonobuoy: binary }, entrypoint: ['/sonobuoy'] };
}

/** Builds (or reuses) sonobuoy and its image archive; imports it into every running node. */
export async function sonobuoyImage(
  log: (line: string) => void = () => undefined,
): Promise<{ ref: string; binary: string; built: Built; archive: string; imported: string[] }> {
  const built = await buildSonobuoy(log);
  const spec = sonobuoyImageSpec(built.binary);
  const archive = imageArchive(spec);
  // Archives of earlier builds (another binary, another key) are not kept.
  for (const name of readdirSync(dirname(archive)))
    if (name.startsWith('localhost_shakedown_sonobuoy_') && join(dirname(archive), name) !== archive) rmSync(join(dirname(archive), name), { force: true });
  const nodes = runningNodes();
  for (const node of nodes) importImage(node, archive);
  return { ref: spec.ref, binary: built.binary, built, archive, imported: nodes.map((node) => node.name) };
}

if (import.meta.main) {
  const image = await sonobuoyImage((line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`sonobuoy ${image.built.built ? `built in ${(image.built.ms / 1000).toFixed(1)} s` : 'cached'}: ${image.binary}\n`);
  process.stdout.write(`${run(image.binary, ['version', '--short']).trim()}\n`);
  process.stdout.write(
    `image ${image.ref}: ${image.imported.length === 0 ? 'no local cluster is running, nothing imported' : `imported into ${image.imported.join(', ')}`}\n`,
  );
}
