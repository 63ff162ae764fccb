// The runner image (what `shakedown deploy` runs as a Job), made here the way the Containerfile
// makes it elsewhere: the Node.js the cluster's node image holds, the packed package (`npm pack`,
// the files a registry install gets) and its production dependencies, with `shakedown` as the
// entry point. No registry and no network: the dependencies are the ones installed in this
// checkout, chosen by `npm ls --omit=dev`. The archive is imported into every running node's
// containerd as localhost/shakedown/runner:<package version>.
//
//   npm run cluster:runner-image            build (cached) and import into every running node
//   npm run cluster:runner-image -- --build-only
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { clusterImages, imageArchive, type ImageSpec } from './images.ts';
import { cacheDir, repoRoot, runningNodes } from './layout.ts';
import { importImage } from './node.ts';
import { run } from './sh.ts';

export const RUNNER_DIR = 'opt/shakedown';

export function runnerRef(version: string): string {
  return `localhost/shakedown/runner:${version}`;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

// Every regular file under dir (symlinks such as node_modules/.bin are left out; a nested
// node_modules is skipped: its production packages are listed on their own).
function filesUnder(dir: string, skipNested: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (skipNested && entry.name === 'node_modules') continue;
      out.push(...filesUnder(path, skipNested));
    } else if (entry.isFile()) out.push(path);
  }
  return out;
}

// The shared libraries a native program or addon links, as `ldd` resolves them here.
function sharedLibraries(file: string): string[] {
  return run('ldd', [file])
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
}

// The production dependency tree of this checkout, as `npm ls` resolves it (no network).
function productionPackages(): string[] {
  const listed = run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot }).split('\n').filter(Boolean);
  return [...new Set(listed.filter((path) => path !== repoRoot && path.startsWith(join(repoRoot, 'node_modules'))))];
}

export interface RunnerImage {
  spec: ImageSpec;
  // The unpacked package; remove it once the archive is made.
  workDir: string;
}

export function runnerImageSpec(): RunnerImage {
  const node = clusterImages().find((image) => image.ref.includes('/node:'));
  if (node === undefined) throw new Error('the cluster images have no Node image');
  const workDir = mkdtempSync(join(cacheDir, 'runner-pack-'));
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: repoRoot }).trim().split('\n').pop() ?? '';
  run('tar', ['-xzf', join(workDir, tarball), '-C', workDir]);
  const packageDir = join(workDir, 'package');
  const files: Record<string, string> = { ...node.files };
  const content = createHash('sha256');
  for (const file of filesUnder(packageDir, false).sort()) {
    files[`${RUNNER_DIR}/${relative(packageDir, file)}`] = file;
    content.update(`${relative(packageDir, file)}\0`).update(readFileSync(file));
  }
  const modules = join(repoRoot, 'node_modules');
  for (const dir of productionPackages()) {
    if (!lstatSync(dir).isDirectory()) continue;
    for (const file of filesUnder(dir, true)) files[`${RUNNER_DIR}/node_modules/${relative(modules, file)}`] = file;
  }
  // Native addons (rolldown's, lightningcss's) need shared libraries node itself does not (librt).
  for (const file of Object.values(files).filter((f) => f.endsWith('.node'))) {
    for (const library of sharedLibraries(file)) files[library.slice(1)] ??= realpathSync(library);
  }
  const version = packageVersion();
  return {
    workDir,
    spec: {
      ref: runnerRef(version),
      files,
      entrypoint: ['/usr/local/bin/node', `/${RUNNER_DIR}/cli/shakedown.js`],
      user: '65534:65534',
      // The package's content hash is part of the spec, so an edit of the same size (npm pack
      // stamps one mtime on every file) still makes a new archive.
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/tmp', `SHAKEDOWN_RUNNER_BUILD=${content.digest('hex').slice(0, 16)}`],
    },
  };
}

export function buildRunnerImage(): { ref: string; archive: string } {
  const { spec, workDir } = runnerImageSpec();
  try {
    const archive = imageArchive(spec);
    // Earlier builds of the runner are not kept: each is a few hundred MiB.
    const dir = dirname(archive);
    for (const name of readdirSync(dir))
      if (name.startsWith('localhost_shakedown_runner_') && join(dir, name) !== archive) rmSync(join(dir, name), { force: true });
    return { ref: spec.ref, archive };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const started = Date.now();
  const { ref, archive } = buildRunnerImage();
  const size = (lstatSync(archive).size / 1024 / 1024).toFixed(0);
  process.stdout.write(`runner image ${ref}: ${archive} (${size} MiB), ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (!process.argv.includes('--build-only')) {
    const nodes = runningNodes();
    if (nodes.length === 0) {
      process.stderr.write('no local cluster is running: nothing to import into (npm run cluster:up)\n');
      process.exitCode = 1;
    }
    for (const node of nodes) importImage(node, archive);
    if (nodes.length > 0) process.stdout.write(`imported into ${nodes.map((n) => n.name).join(', ')}\n`);
  }
}
