// The cluster's Go components as data: which module, which commands, and how to resolve the
// local-path replace directives a dependency's go.mod carries (they do not apply to a wrapper).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { versions } from './versions.ts';

export interface GoComponent {
  name: string;
  module: string;
  version: string;
  /** Main packages to build; each becomes a binary named after its last path element. */
  commands: string[];
  /**
   * Maps a replace directive of the dependency that points at a local path to a module version or to
   * one of `files`' dirs; null drops the directive (a module the dependency forbids).
   */
  localReplace?: (path: string) => string | null;
  /** Binaries renamed after the build (go names a main package at a module's root v3 after the path element before it, e.g. etcd's "server"). */
  binaryNames?: Record<string, string>;
  /** Extra files of the wrapper module (relative path -> content). */
  files?: Record<string, string>;
  godebug?: string;
  ldflags?: string[];
  /** Modules the checksum database does not know; their go.sum lines are trusted on first use. */
  noSumDb?: string[];
  /** The wrapper's go directive when the dependency declares an older one (tool directives need 1.24). */
  minGo?: string;
  /** Build with cgo (linked statically through the ldflags) instead of CGO_ENABLED=0. */
  cgo?: boolean;
  tags?: string[];
  /** Replace directives of our own (module -> one of `files`' dirs), for modules the proxy refuses. */
  replace?: Record<string, string>;
  /** Files or directories of the component's module kept beside the binaries (name -> path in the module), e.g. its CRDs. */
  moduleFiles?: Record<string, string>;
}

const k8s = versions.kubernetes;

/** -X flags that stamp a Kubernetes release into its binaries (without them they report v0.0.0). */
function k8sVersionFlags(release: string): string[] {
  const [, minor] = release.split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=v${release}`,
    `-X ${pkg}.gitMajor=1`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ]);
}

/** Commands of k8s.io/kubernetes at one release, through a wrapper that pins its staging modules. */
function kubernetesRelease(name: string, release: string, commands: string[]): GoComponent {
  return {
    name,
    module: 'k8s.io/kubernetes',
    version: `v${release}`,
    commands: commands.map((c) => `k8s.io/kubernetes/cmd/${c}`),
    // ./staging/src/k8s.io/NAME -> the published k8s.io/NAME v0.<minor>.<patch>
    localReplace: (path) => `${path.replace(/^\.\/staging\/src\//, '')} v0.${release.split('.').slice(1).join('.')}`,
    godebug: 'default=go1.24',
    ldflags: k8sVersionFlags(release),
  };
}

// Traefik's go.mod replaces its extension module with a nested directory that is not part of the
// published module; the open-source build's extension points carry no fields, so empty types do.
const traefikExt = {
  'ext/go.mod': 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24\n',
  'ext/ext.go': [
    "// Package ext holds the extension points of Traefik's dynamic configuration; empty in this build.",
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

/** Every file under a directory of ours, keyed by its path under `prefix` (for a component's `files`). */
function sourceTree(dir: string, prefix: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort()
      .map((f) => [join(prefix, relative(dir, f)), readFileSync(f, 'utf8')]),
  );
}

/** Our module of cert-manager mains (see its go.mod for why it is named under cert-manager's path). */
const certManagerMains = 'github.com/cert-manager/cert-manager/shakedown';

export const goComponents: GoComponent[] = [
  kubernetesRelease('kubernetes', k8s, ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl']),
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
  {
    name: 'cert-manager',
    module: 'github.com/cert-manager/cert-manager',
    version: `v${versions.certManager}`,
    // One binary: `cert-manager controller|webhook|cainjector --config FILE`.
    commands: [`${certManagerMains}/cmd/cert-manager`],
    files: sourceTree(join(import.meta.dirname, 'cert-manager'), 'shakedown'),
    // vcert, the Venafi issuer's SDK, is refused by the module proxy at the version cert-manager
    // requires: a stand-in (cert-manager/vcert/go.mod says why) takes its place.
    replace: { [certManagerMains]: './shakedown', 'github.com/Venafi/vcert/v5': './shakedown/vcert' },
    ldflags: [`-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=v${versions.certManager}`],
    // The CRDs as controller-gen wrote them (the Helm chart templates the same ones).
    moduleFiles: { crds: 'deploy/crds' },
  },
  {
    name: 'metrics-server',
    module: 'sigs.k8s.io/metrics-server',
    version: `v${versions.metricsServer}`,
    commands: ['sigs.k8s.io/metrics-server/cmd/metrics-server'],
    ldflags: [`-X k8s.io/client-go/pkg/version.gitVersion=v${versions.metricsServer}`, '-X k8s.io/client-go/pkg/version.gitTreeState=clean'],
  },
];

// flanneld links every backend, among them Tencent Cloud's VPC routes, whose SDK module the proxy
// refuses at every version. This stand-in has the few types that backend names; each call fails,
// so choosing Backend "tencent-vpc" says it is not part of this build. The vxlan backend the
// flannel profile runs does not touch it.
const tencentVpcModule = 'github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc';
const tencentVpc = {
  'tencent-vpc/go.mod': `module ${tencentVpcModule}\n\ngo 1.24\n`,
  'tencent-vpc/v20170312/client.go': [
    '// Package v20170312 stands in for the Tencent Cloud VPC SDK, which this build does not include.',
    'package v20170312',
    '',
    'import "errors"',
    '',
    'var errNotBuilt = errors.New("the Tencent Cloud VPC API is not part of this flanneld build")',
    '',
    'type Client struct{}',
    '',
    'func NewClientWithSecretId(secretID, secretKey, region string) (*Client, error) { return &Client{}, nil }',
    '',
    'type Filter struct {',
    '\tName   *string',
    '\tValues []*string',
    '}',
    '',
    'type Route struct {',
    '\tDestinationCidrBlock *string',
    '\tGatewayType          *string',
    '\tGatewayId            *string',
    '\tRouteId              *uint64',
    '\tRouteType            *string',
    '\tEnabled              *bool',
    '}',
    '',
    'type RouteTable struct {',
    '\tRouteTableId *string',
    '\tRouteSet     []*Route',
    '}',
    '',
    'type DescribeRouteTablesRequest struct{ Filters []*Filter }',
    '',
    'type DescribeRouteTablesResponse struct {',
    '\tResponse *struct{ RouteTableSet []*RouteTable }',
    '}',
    '',
    'type RoutesRequest struct {',
    '\tRouteTableId *string',
    '\tRoutes       []*Route',
    '}',
    '',
    'type RoutesResponse struct{}',
    '',
    'func NewDescribeRouteTablesRequest() *DescribeRouteTablesRequest { return &DescribeRouteTablesRequest{} }',
    '',
    'func NewDeleteRoutesRequest() *RoutesRequest { return &RoutesRequest{} }',
    '',
    'func NewCreateRoutesRequest() *RoutesRequest { return &RoutesRequest{} }',
    '',
    'func (c *Client) DescribeRouteTables(*DescribeRouteTablesRequest) (*DescribeRouteTablesResponse, error) { return nil, errNotBuilt }',
    '',
    'func (c *Client) DeleteRoutes(*RoutesRequest) (*RoutesResponse, error) { return nil, errNotBuilt }',
    '',
    'func (c *Client) CreateRoutes(*RoutesRequest) (*RoutesResponse, error) { return nil, errNotBuilt }',
    '',
  ].join('\n'),
};

/**
 * Built only for the flannel profile (`cluster:up -- --cni flannel`), so the default profile builds
 * exactly what it built before.
 */
export const flannelComponents: GoComponent[] = [
  {
    name: 'flannel',
    module: 'github.com/flannel-io/flannel',
    version: `v${versions.flannel}`,
    commands: ['github.com/flannel-io/flannel', 'github.com/flannel-io/flannel/cmd/install_conf'],
    files: tencentVpc,
    replace: { [tencentVpcModule]: './tencent-vpc' },
    // The UDP backend is C (cgo), as upstream builds it: linked statically, with Go's own resolver.
    cgo: true,
    tags: ['netgo', 'osusergo'],
    ldflags: [`-X github.com/flannel-io/flannel/pkg/version.Version=v${versions.flannel}`, '-extldflags=-static'],
  },
  {
    name: 'cni-plugins',
    module: 'github.com/containernetworking/plugins',
    version: `v${versions.cniPluginsFlannel}`,
    commands: ['github.com/containernetworking/plugins/plugins/meta/flannel'],
    minGo: '1.24.0',
    ldflags: [`-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v${versions.cniPluginsFlannel}`],
  },
];

/**
 * Built only for the kubeadm profile (`cluster:up -- --profile kubeadm`): kubeadm of the cluster's
 * release (its other binaries are the default build's) and etcd as kubeadm runs it (a static pod;
 * Debian's 3.4 lacks the /livez and /readyz kubeadm probes).
 */
export const kubeadmComponents: GoComponent[] = [
  kubernetesRelease('kubeadm', k8s, ['kubeadm']),
  {
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    version: `v${versions.etcd}`,
    commands: ['go.etcd.io/etcd/server/v3'],
    binaryNames: { server: 'etcd' },
    // etcd's go.mod points its sibling modules at their directories (published at the same version)
    // and forbids two modules by replacing them with a directory that does not exist.
    localReplace: (path) => {
      if (path === './FORBIDDEN_DEPENDENCY') return null;
      const sibling = { '../api': 'api/v3', '../client/pkg': 'client/pkg/v3', '../client/v3': 'client/v3', '../pkg': 'pkg/v3' }[path];
      if (sibling === undefined) throw new Error(`unexpected local replace ${path} in etcd's go.mod`);
      return `go.etcd.io/etcd/${sibling} v${versions.etcd}`;
    },
    ldflags: [],
  },
];

/** The release `cluster:upgrade` moves a kubeadm cluster to, built when it is first asked for. */
export const upgradeComponents: GoComponent[] = [
  kubernetesRelease('kubernetes-next', versions.kubernetesUpgrade, [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kubelet',
    'kube-proxy',
    'kubectl',
    'kubeadm',
  ]),
];
