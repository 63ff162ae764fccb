import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cniConf, flannel, flanneldArgs, flannelManifest, netConf } from './flannel.ts';
import { controlPlane, net, stateDir } from './layout.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

const docs = (): Obj[] => loadAllYaml(flannelManifest('localhost/shakedown/flannel:9.9.9')) as Obj[];
const byKind = (kind: string): Obj => {
  const found = docs().find((d) => d.kind === kind);
  if (!found) throw new Error(`no ${kind} in the flannel manifest`);
  return found;
};

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts: { name: string; mountPath: string; subPathExpr?: string }[];
  securityContext?: { privileged?: boolean; capabilities?: { add?: string[] } };
}
interface PodSpec {
  hostNetwork: boolean;
  serviceAccountName: string;
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string; type?: string }; configMap?: { name: string } }[];
  tolerations: unknown[];
}
const podSpec = (): PodSpec => (byKind('DaemonSet') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

describe('flannel net-conf.json', () => {
  it('is the cluster pod CIDR with the VXLAN backend and iptables', () => {
    expect(netConf()).toEqual({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } });
    expect(netConf().Network).toBe(net.podCidr);
  });
});

describe('flannel CNI configuration', () => {
  it('delegates to a bridge with the subnet file flanneld writes, and keeps its state per node', () => {
    const conf = cniConf() as { cniVersion: string; plugins: Record<string, unknown>[] };
    const [plugin, portmap] = conf.plugins;
    expect(plugin).toMatchObject({ type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } });
    // No subnetFile: the plugin's default /run/flannel/subnet.env is right because /run/flannel is private per node.
    expect(plugin).not.toHaveProperty('subnetFile');
    // The plugin's state and host-local's leases stay under the per-node /run/flannel, never /var/lib/cni.
    expect(plugin?.dataDir).toBe(`${flannel.runDir}/cni`);
    expect(plugin?.ipam).toEqual({ dataDir: `${flannel.runDir}/ipam` });
    // The flannel plugin refuses a delegate with its own ipam or name.
    expect(plugin?.delegate).not.toHaveProperty('ipam');
    expect(plugin?.delegate).not.toHaveProperty('name');
    expect(portmap).toEqual({ type: 'portmap', capabilities: { portMappings: true } });
  });
});

describe('flanneld flags', () => {
  it("runs the kube subnet manager with masquerade on the nodes' eth0", () => {
    expect(flanneldArgs()).toEqual(['--ip-masq', '--kube-subnet-mgr', '--iface=eth0', '--healthz-port=8081']);
  });
});

describe('flannel manifest', () => {
  it('has the namespace, RBAC, ConfigMap and DaemonSet detection looks for', () => {
    expect(docs().map((d) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`)).toEqual([
      'Namespace /kube-flannel',
      'ClusterRole /flannel',
      'ClusterRoleBinding /flannel',
      'ServiceAccount kube-flannel/flannel',
      'ConfigMap kube-flannel/kube-flannel-cfg',
      'DaemonSet kube-flannel/kube-flannel-ds',
    ]);
  });

  it('grants exactly what upstream grants flanneld', () => {
    expect((byKind('ClusterRole') as unknown as { rules: unknown[] }).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ]);
    expect((byKind('ClusterRoleBinding') as unknown as { subjects: unknown[] }).subjects).toEqual([
      { kind: 'ServiceAccount', name: 'flannel', namespace: 'kube-flannel' },
    ]);
  });

  it('carries net-conf.json and cni-conf.json as the JSON the code defines', () => {
    const data = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data;
    expect(JSON.parse(data['net-conf.json'] ?? '')).toEqual(netConf());
    expect(JSON.parse(data['cni-conf.json'] ?? '')).toEqual(cniConf());
  });

  it('runs flanneld on the host network with NET_ADMIN and NET_RAW only, from the image made here', () => {
    const spec = podSpec();
    expect(spec.hostNetwork).toBe(true);
    expect(spec.serviceAccountName).toBe('flannel');
    const [main] = spec.containers;
    expect(main?.image).toBe('localhost/shakedown/flannel:9.9.9');
    expect(main?.command).toEqual(['/opt/bin/flanneld']);
    expect(main?.args).toEqual(flanneldArgs());
    expect(main?.securityContext).toEqual({ privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } });
    expect(main?.volumeMounts).toContainEqual({ name: 'run', mountPath: '/run/flannel' });
    expect(spec.volumes).toContainEqual({ name: 'run', hostPath: { path: '/run/flannel' } });
  });

  it('reaches the API server by its address, not through a Service kube-proxy has not programmed yet', () => {
    const env = podSpec().containers[0]?.env ?? [];
    expect(env).toContainEqual({ name: 'KUBERNETES_SERVICE_HOST', value: controlPlane.ip });
    expect(env).toContainEqual({ name: 'KUBERNETES_SERVICE_PORT', value: '6443' });
  });

  it("installs the CNI plugin and configuration into each node's own directories", () => {
    const spec = podSpec();
    expect(spec.volumes).toContainEqual({ name: 'nodes', hostPath: { path: `${stateDir}/nodes`, type: 'Directory' } });
    const [plugin, conf] = spec.initContainers;
    expect(plugin?.args).toEqual(['/flannel', '/opt/cni/bin/flannel']);
    expect(plugin?.volumeMounts).toEqual([{ name: 'nodes', mountPath: '/opt/cni/bin', subPathExpr: '$(NODE_NAME)/cni-bin' }]);
    expect(conf?.args).toEqual(['/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist']);
    expect(conf?.volumeMounts).toContainEqual({ name: 'nodes', mountPath: '/etc/cni/net.d', subPathExpr: '$(NODE_NAME)/cni' });
    // subPathExpr expands NODE_NAME from each container's own environment: the downward API's node name.
    for (const c of [plugin, conf, spec.containers[0]]) {
      expect(c?.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    }
  });
});
