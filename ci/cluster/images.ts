// Container images made here, never pulled: a root filesystem from local binaries, wrapped by hand
// into an OCI image layout and imported into each node's containerd under a fully qualified name.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { binary, pauseBinary } from './build.ts';
import { cacheDir } from './layout.ts';
import { run } from './sh.ts';
import { versions } from './versions.ts';

export interface ImageSpec {
  ref: string;
  /** Path in the image -> path of a local file to copy (mode is kept). */
  files: Record<string, string>;
  symlinks?: Record<string, string>;
  entrypoint: string[];
  user?: string;
  env?: string[];
}

export const registry = 'localhost/shakedown';

const baseFiles = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  'etc/group': 'root:x:0:\nnobody:x:65534:\n',
  'etc/nsswitch.conf': 'hosts: files dns\n',
};

/** The shared libraries a dynamically linked program needs, as `ldd` resolves them here. */
export function sharedLibraries(program: string): string[] {
  return run('ldd', [program])
    .split('\n')
    .map((l) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
}

function busyboxApplets(): Record<string, string> {
  const applets = run('/bin/busybox', ['--list-full']).split('\n').filter(Boolean);
  return Object.fromEntries(applets.filter((a) => a !== 'bin/busybox').map((a) => [a, '/bin/busybox']));
}

function busyboxVersion(): string {
  const m = /BusyBox v([\d.]+)/.exec(run('/bin/busybox', ['--help'], {}).split('\n')[0] ?? '');
  return m?.[1] ?? 'unknown';
}

export function clusterImages(): ImageSpec[] {
  const node = realpathSync(process.execPath);
  return [
    { ref: `${registry}/pause:${versions.pause}`, files: { pause: pauseBinary() }, entrypoint: ['/pause'], user: '65535:65535' },
    { ref: `${registry}/busybox:${busyboxVersion()}`, files: { 'bin/busybox': '/bin/busybox' }, symlinks: busyboxApplets(), entrypoint: ['/bin/sh'] },
    { ref: `${registry}/coredns:${versions.coredns}`, files: { coredns: binary('coredns') }, entrypoint: ['/coredns'] },
    { ref: `${registry}/traefik:${versions.traefik}`, files: { traefik: binary('traefik') }, entrypoint: ['/traefik'] },
    {
      ref: `${registry}/local-path-provisioner:${versions.localPathProvisioner}`,
      files: { 'usr/bin/local-path-provisioner': binary('local-path-provisioner') },
      entrypoint: ['/usr/bin/local-path-provisioner'],
    },
    // One binary for cert-manager's controller, webhook and cainjector (the first argument picks).
    {
      ref: `${registry}/cert-manager:v${versions.certManager}`,
      files: { 'usr/bin/cert-manager': binary('cert-manager') },
      entrypoint: ['/usr/bin/cert-manager'],
      user: '65534:65534',
    },
    {
      ref: `${registry}/metrics-server:v${versions.metricsServer}`,
      files: { 'metrics-server': binary('metrics-server') },
      entrypoint: ['/metrics-server'],
      user: '65534:65534',
    },
    {
      ref: `${registry}/node:${process.versions.node}`,
      files: { 'usr/local/bin/node': node, ...Object.fromEntries(sharedLibraries(node).map((l) => [l.slice(1), realpathSync(l)])) },
      entrypoint: ['/usr/local/bin/node'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    },
  ];
}

export function imageRef(name: string): string {
  const found = clusterImages().find((i) => i.ref.startsWith(`${registry}/${name}:`));
  if (!found) throw new Error(`no image named ${name}`);
  return found.ref;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function specKey(spec: ImageSpec): string {
  const h = createHash('sha256').update(JSON.stringify(spec));
  for (const src of Object.values(spec.files)) h.update(`${statSync(src).size}:${statSync(src).mtimeMs}`);
  return h.digest('hex').slice(0, 16);
}

function stageRootfs(spec: ImageSpec, root: string): void {
  for (const dir of ['etc', 'tmp', 'bin', 'usr/bin']) mkdirSync(join(root, dir), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const [path, content] of Object.entries(baseFiles)) writeFileSync(join(root, path), content);
  for (const [path, src] of Object.entries(spec.files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    copyFileSync(src, join(root, path));
    chmodSync(join(root, path), statSync(src).mode & 0o777);
  }
  for (const [path, target] of Object.entries(spec.symlinks ?? {})) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (!existsSync(join(root, path))) symlinkSync(target, join(root, path));
  }
}

function tarDeterministic(src: string, out: string): void {
  run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', out, '-C', src, '.']);
}

/** Builds (or reuses) the image's OCI archive and returns its path. */
export function imageArchive(spec: ImageSpec): string {
  const out = join(cacheDir, 'images', `${spec.ref.replace(/[/:]/g, '_')}-${specKey(spec)}.tar`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'images', 'work-'));
  try {
    const root = join(work, 'rootfs');
    const layout = join(work, 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    stageRootfs(spec, root);
    const layerTar = join(work, 'layer.tar');
    tarDeterministic(root, layerTar);
    const layer = readFileSync(layerTar);
    const layerDigest = sha256(layer);
    writeFileSync(join(blobs, layerDigest), layer);
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: spec.entrypoint, Env: spec.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin'], User: spec.user ?? '', WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    });
    writeFileSync(join(blobs, sha256(config)), config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: Buffer.byteLength(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
    });
    writeFileSync(join(blobs, sha256(manifest)), manifest);
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${sha256(manifest)}`,
            size: Buffer.byteLength(manifest),
            annotations: { 'org.opencontainers.image.ref.name': spec.ref, 'io.containerd.image.name': spec.ref },
          },
        ],
      }),
    );
    tarDeterministic(layout, `${out}.tmp`);
    renameSync(`${out}.tmp`, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
