// A kubeadm 1.34 cluster as the API shows it, for unit tests: the kube-system ConfigMaps kubeadm
// writes and the mirror pods of the static control plane, shaped like `kubeadm init` on node1 (and
// `kubeadm join --control-plane` on any other control-plane node) makes them. Tests change a copy.
import type { ConfigMap } from '../api-json.ts';
import type { PodJson } from '../kubeadm.ts';

export const NODE_IPS: Record<string, string> = { node1: '10.217.0.11', node2: '10.217.0.12', node3: '10.217.0.13' };

export function clusterConfigurationYaml(version = 'v1.34.4', overrides: { serviceSubnet?: string; podSubnet?: string } = {}): string {
  return `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: 10.217.0.11:6443
controllerManager: {}
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: localhost/shakedown
kind: ClusterConfiguration
kubernetesVersion: ${version}
networking:
  dnsDomain: cluster.local
  podSubnet: ${overrides.podSubnet ?? '10.244.0.0/16'}
  serviceSubnet: ${overrides.serviceSubnet ?? '10.96.0.0/12'}
proxy: {}
scheduler: {}
`;
}

export function kubeadmConfigMap(version = 'v1.34.4', overrides: { serviceSubnet?: string; podSubnet?: string } = {}): ConfigMap {
  return { metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: clusterConfigurationYaml(version, overrides) } };
}

export function kubeletConfigMap(rotateCertificates = true): ConfigMap {
  return {
    metadata: { name: 'kubelet-config', namespace: 'kube-system' },
    data: {
      kubelet: `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
kind: KubeletConfiguration
rotateCertificates: ${rotateCertificates}
staticPodPath: /etc/kubernetes/manifests
`,
    },
  };
}

export function kubeProxyConfigMap(mode = '', clusterCIDR = '10.244.0.0/16'): ConfigMap {
  return {
    metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    data: {
      'config.conf': `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
clusterCIDR: ${clusterCIDR}
conntrack:
  maxPerCore: null
  min: null
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
healthzBindAddress: ""
iptables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  scheduler: ""
  strictARP: false
kind: KubeProxyConfiguration
metricsBindAddress: ""
mode: "${mode}"
nftables:
  masqueradeAll: false
nodePortAddresses: null
`,
      'kubeconfig.conf': 'apiVersion: v1\nkind: Config\n',
    },
  };
}

const COMMANDS: Record<string, (ip: string, node: string) => string[]> = {
  'kube-apiserver': (ip) => [
    'kube-apiserver',
    `--advertise-address=${ip}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
    '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
    '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
    '--etcd-servers=https://127.0.0.1:2379',
    '--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt',
    '--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key',
    '--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt',
    '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
    '--secure-port=6443',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file=/etc/kubernetes/pki/sa.pub',
    '--service-account-signing-key-file=/etc/kubernetes/pki/sa.key',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
    '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
  ],
  'kube-controller-manager': () => [
    'kube-controller-manager',
    '--allocate-node-cidrs=true',
    '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--bind-address=127.0.0.1',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-cidr=10.244.0.0/16',
    '--cluster-name=kubernetes',
    '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
    '--controllers=*,bootstrapsigner,tokencleaner',
    '--kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--leader-elect=true',
    '--root-ca-file=/etc/kubernetes/pki/ca.crt',
    '--service-account-private-key-file=/etc/kubernetes/pki/sa.key',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--use-service-account-credentials=true',
  ],
  'kube-scheduler': () => [
    'kube-scheduler',
    '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
    '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
    '--bind-address=127.0.0.1',
    '--kubeconfig=/etc/kubernetes/scheduler.conf',
    '--leader-elect=true',
  ],
  etcd: (ip, node) => [
    'etcd',
    `--advertise-client-urls=https://${ip}:2379`,
    '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
    '--client-cert-auth=true',
    '--data-dir=/var/lib/etcd',
    `--initial-advertise-peer-urls=https://${ip}:2380`,
    `--initial-cluster=${node}=https://${ip}:2380`,
    '--key-file=/etc/kubernetes/pki/etcd/server.key',
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
    `--name=${node}`,
    '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
    '--peer-client-cert-auth=true',
    '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
    '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
    '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
  ],
};

const ETCD_IMAGE_TAG = '3.6.5-0';

export function mirrorPod(component: string, node: string, version = 'v1.34.4'): PodJson {
  const ip = NODE_IPS[node] ?? '10.217.0.99';
  const annotations: Record<string, string> = {
    'kubernetes.io/config.hash': `hash-${component}-${node}`,
    'kubernetes.io/config.mirror': `hash-${component}-${node}`,
    'kubernetes.io/config.seen': '2026-12-07T20:00:00.000000000Z',
    'kubernetes.io/config.source': 'file',
  };
  if (component === 'kube-apiserver') annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint'] = `${ip}:6443`;
  if (component === 'etcd') annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'] = `https://${ip}:2379`;
  return {
    metadata: {
      name: `${component}-${node}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations,
      ownerReferences: [{ kind: 'Node', name: node }],
    },
    spec: {
      nodeName: node,
      containers: [
        {
          name: component,
          image: `localhost/shakedown/${component}:${component === 'etcd' ? ETCD_IMAGE_TAG : version}`,
          command: (COMMANDS[component] ?? (() => [component]))(ip, node),
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: component, ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-07T20:00:05Z' } } }],
    },
  };
}

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

// Every control-plane component on every given node, healthy.
export function controlPlanePods(nodes: readonly string[] = ['node1'], version = 'v1.34.4'): PodJson[] {
  return nodes.flatMap((node) => COMPONENTS.map((component) => mirrorPod(component, node, version)));
}

// The pod of a component on a node, changed in place by `change`.
export function changePod(pods: PodJson[], name: string, change: (pod: PodJson) => void): PodJson[] {
  const pod = pods.find((p) => p.metadata.name === name);
  if (pod === undefined) throw new Error(`no pod ${name} in the fixture`);
  change(pod);
  return pods;
}

// A crash loop as the kubelet reports it: waiting in CrashLoopBackOff, restarted, the last exit.
export function crashLooping(pod: PodJson, restarts = 7, finishedAt = '2026-12-07T22:04:00Z'): void {
  pod.status = {
    phase: 'Running',
    containerStatuses: [
      {
        name: pod.spec?.containers?.[0]?.name ?? '?',
        ready: false,
        restartCount: restarts,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt } },
      },
    ],
  };
}

// The moment the fixtures are judged at.
export const NOW = new Date('2026-12-07T22:05:00Z');

export interface NodeJsonFixture {
  metadata: { name: string; labels: Record<string, string> };
  status: { nodeInfo: { kubeletVersion: string }; addresses: { type: string; address: string }[] };
}

export function node(name: string, kubeletVersion = 'v1.34.4', controlPlane = name === 'node1'): NodeJsonFixture {
  return {
    metadata: { name, labels: controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
    status: { nodeInfo: { kubeletVersion }, addresses: [{ type: 'InternalIP', address: NODE_IPS[name] ?? '10.217.0.99' }] },
  };
}
