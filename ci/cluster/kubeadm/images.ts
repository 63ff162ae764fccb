// The images a kubeadm release asks for (`kubeadm config images list`), made here under the names
// it asks for in our imageRepository: the control plane's binaries of that release, kube-proxy with
// the netfilter tools it runs inside its container, etcd, and our pause under kubeadm's pause tag.
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { componentBinary, pauseBinary } from '../build.ts';
import { type ImageSpec, registry, sharedLibraries } from '../images.ts';
import { versions } from '../versions.ts';

/** The pause tag kubeadm 1.34 and 1.35 check for; the image holds our own pause program. */
export const KUBEADM_PAUSE_TAG = '3.10.1';

export const kubeadmPauseRef = `${registry}/pause:${KUBEADM_PAUSE_TAG}`;

/** Which build holds a release's binaries: the cluster's own release, or the one it upgrades to. */
export function releaseComponent(release: string): string {
  if (release === versions.kubernetes) return 'kubernetes';
  if (release === versions.kubernetesUpgrade) return 'kubernetes-next';
  throw new Error(`no build of Kubernetes ${release} (built: ${versions.kubernetes}, ${versions.kubernetesUpgrade})`);
}

/** Dynamically linked programs and every shared library they load, as image files (path in the image -> local path). */
function withLibraries(programs: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [inImage, local] of Object.entries(programs)) {
    files[inImage] = local;
    for (const lib of sharedLibraries(local)) files[lib.slice(1)] = realpathSync(lib);
  }
  return files;
}

const xtablesDir = '/usr/lib/x86_64-linux-gnu/xtables';

/**
 * kube-proxy runs iptables-restore, nft and conntrack inside its container. The host's iptables
 * speaks nf_tables, so the image carries xtables-nft-multi (and its match and target extensions,
 * loaded at run time) under every name kube-proxy calls: rules it writes are the rules the host sees.
 */
function kubeProxyFiles(release: string): Record<string, string> {
  const extensions = readdirSync(xtablesDir)
    .filter((f) => f.endsWith('.so'))
    .map((f) => [`${xtablesDir.slice(1)}/${f}`, join(xtablesDir, f)] as const);
  return {
    'usr/local/bin/kube-proxy': componentBinary(releaseComponent(release), 'kube-proxy'),
    ...withLibraries({
      'usr/sbin/xtables-nft-multi': '/usr/sbin/xtables-nft-multi',
      'usr/sbin/nft': '/usr/sbin/nft',
      'usr/sbin/conntrack': '/usr/sbin/conntrack',
      ...Object.fromEntries(extensions),
    }),
  };
}

const xtablesNames = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'];

export function kubeadmImages(release: string): ImageSpec[] {
  const component = releaseComponent(release);
  const controlPlane = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((name): ImageSpec => ({
    ref: `${registry}/${name}:v${release}`,
    files: { [`usr/local/bin/${name}`]: componentBinary(component, name) },
    entrypoint: [`/usr/local/bin/${name}`],
  }));
  return [
    ...controlPlane,
    {
      ref: `${registry}/kube-proxy:v${release}`,
      files: kubeProxyFiles(release),
      symlinks: Object.fromEntries(xtablesNames.map((n) => [`usr/sbin/${n}`, 'xtables-nft-multi'])),
      entrypoint: ['/usr/local/bin/kube-proxy'],
      env: ['PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    },
    { ref: `${registry}/etcd:${versions.etcd}`, files: { 'usr/local/bin/etcd': componentBinary('etcd', 'etcd') }, entrypoint: ['/usr/local/bin/etcd'] },
    { ref: kubeadmPauseRef, files: { pause: pauseBinary() }, entrypoint: ['/pause'], user: '65535:65535' },
  ];
}
