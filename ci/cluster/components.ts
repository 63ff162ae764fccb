// The cluster's Go components as data: which module, which commands, and how to resolve the
// local-path replace directives a dependency's go.mod carries (they do not apply to a wrapper).
import { versions } from './versions.ts';

export interface GoComponent {
  name: string;
  module: string;
  version: string;
  /** Main packages to build; each becomes a binary named after its last path element. */
  commands: string[];
  /** Maps a replace directive of the dependency that points at a local path to a module version or to one of `files`' dirs. */
  localReplace?: (path: string) => string;
  /** Extra files of the wrapper module (relative path -> content). */
  files?: Record<string, string>;
  godebug?: string;
  ldflags?: string[];
  /** Modules the checksum database does not know; their go.sum lines are trusted on first use. */
  noSumDb?: string[];
}

const k8s = versions.kubernetes;
const [, k8sMinor] = k8s.split('.');
const k8sVersionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
  `-X ${pkg}.gitVersion=v${k8s}`,
  `-X ${pkg}.gitMajor=1`,
  `-X ${pkg}.gitMinor=${k8sMinor}`,
  `-X ${pkg}.gitTreeState=clean`,
  `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
]);

// Traefik's go.mod replaces its extension module with a nested directory that is not part of the
// published module; the open-source build's extension points carry no fields, so empty types do.
const traefikExt = {
  'ext/go.mod': 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24\n',
  'ext/ext.go': [
    '// Package ext holds the extension points of Traefik\'s dynamic configuration; empty in this build.',
    'package ext',
    '',
    'type HTTP struct{}',
    '',
    'type Router struct{}',
    '',
    'func (in *HTTP) DeepCopyInto(out *HTTP) { *out = *in }',
    '',
    'func (in *Router) DeepCopyInto(out *Router) { *out = *in }',
    '',
  ].join('\n'),
};

export const goComponents: GoComponent[] = [
  {
    name: 'kubernetes',
    module: 'k8s.io/kubernetes',
    version: `v${k8s}`,
    commands: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'].map((c) => `k8s.io/kubernetes/cmd/${c}`),
    // ./staging/src/k8s.io/NAME -> the published k8s.io/NAME v0.<minor>.<patch>
    localReplace: (path) => `${path.replace(/^\.\/staging\/src\//, '')} v0.${k8s.split('.').slice(1).join('.')}`,
    godebug: 'default=go1.24',
    ldflags: k8sVersionFlags,
  },
  {
    name: 'coredns',
    module: 'github.com/coredns/coredns',
    version: `v${versions.coredns}`,
    commands: ['github.com/coredns/coredns'],
    ldflags: [`-X github.com/coredns/coredns/coremain.GitCommit=v${versions.coredns}`],
  },
  {
    name: 'kube-router',
    module: 'github.com/cloudnativelabs/kube-router/v2',
    version: `v${versions.kubeRouter}`,
    commands: ['github.com/cloudnativelabs/kube-router/v2/cmd/kube-router'],
    ldflags: [`-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v${versions.kubeRouter}`],
    noSumDb: ['github.com/cloudnativelabs/kube-router'],
  },
  {
    name: 'local-path-provisioner',
    module: 'github.com/rancher/local-path-provisioner',
    version: `v${versions.localPathProvisioner}`,
    commands: ['github.com/rancher/local-path-provisioner'],
    noSumDb: ['github.com/rancher/local-path-provisioner', 'sigs.k8s.io/sig-storage-lib-external-provisioner'],
  },
  {
    name: 'traefik',
    module: 'github.com/traefik/traefik/v3',
    version: `v${versions.traefik}`,
    commands: ['github.com/traefik/traefik/v3/cmd/traefik'],
    localReplace: (path) => {
      if (path === './pkg/config/dynamic/ext') return './ext';
      throw new Error(`unexpected local replace ${path} in traefik's go.mod`);
    },
    files: traefikExt,
    noSumDb: ['github.com/akamai/AkamaiOPEN-edgegrid-golang', 'github.com/go-acme', 'github.com/nrdcg/oci-go-sdk', 'github.com/yandex-cloud/go-sdk'],
    ldflags: [`-X github.com/traefik/traefik/v3/pkg/version.Version=${versions.traefik}`],
  },
];
