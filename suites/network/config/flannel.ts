// flannel, as the API shows it: the kube-flannel-cfg ConfigMap's net-conf.json (Network and
// IPv6Network against the nodes' podCIDRs and the controller-manager's --cluster-cidr, the Backend
// type and port), flanneld's arguments (--kube-subnet-mgr, --ip-masq, --iface), and the
// flannel.alpha.coreos.com/* annotations each flanneld writes on its node (backend type, public-ip,
// backend-data with the VTEP MAC), which must agree with the config and be distinct per node.
import { containsCidr, parseCidr, sameRange, type Cidr } from './cidr.ts';
import { flagValue, type NetworkFacts } from './facts.ts';
import { fail, warn, type Finding, type Judgement } from './judgement.ts';

export const FLANNEL_PREFIX = 'flannel.alpha.coreos.com/';

export interface NetConf {
  Network?: string;
  IPv6Network?: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  SubnetLen?: number;
  Backend?: { Type?: string; Port?: number; VNI?: number; MTU?: number; DirectRouting?: boolean };
}

// Bytes each backend's encapsulation takes from the link MTU (flannel sets the pod MTU that much lower).
export const BACKEND_OVERHEAD: Record<string, number> = { vxlan: 50, ipip: 20, wireguard: 80, 'host-gw': 0, udp: 28 };
export const VXLAN_DEFAULT_PORT = 8472;

export function flannelPresent(facts: NetworkFacts): string | undefined {
  if (facts.flannelConfig !== undefined || (facts.workloads.flannel ?? []).length > 0) return undefined;
  if (facts.nodes.some((node) => Object.keys(node.annotations).some((a) => a.startsWith(FLANNEL_PREFIX)))) return undefined;
  return `flannel is not present: no ConfigMap kube-flannel-cfg in kube-flannel or kube-system, no flannel DaemonSet or kube-system pod, no ${FLANNEL_PREFIX}* node annotation`;
}

// flanneld masquerades pod traffic leaving the pod network when it runs with --ip-masq.
export function flannelMasquerades(facts: NetworkFacts): boolean | undefined {
  const args = (facts.workloads.flannel ?? []).flatMap((w) => w.args);
  if (args.length === 0) return undefined;
  const value = flagValue(args, 'ip-masq');
  return value !== undefined && value !== 'false';
}

export function judgeFlannel(facts: NetworkFacts): Judgement {
  const absent = flannelPresent(facts);
  if (absent !== undefined) return { plugin: 'flannel', absent, seen: [], findings: [] };
  const seen: string[] = [];
  const findings: Finding[] = [];
  const config = facts.flannelConfig;
  const where = config === undefined ? '' : `ConfigMap ${config.namespace}/${config.name} net-conf.json`;
  let conf: NetConf | undefined;
  if (config === undefined) {
    findings.push(fail('flannel runs, but there is no ConfigMap kube-flannel-cfg in kube-flannel or kube-system: its Network and Backend cannot be checked'));
  } else if (config.data['net-conf.json'] === undefined) {
    findings.push(fail(`ConfigMap ${config.namespace}/${config.name} has no net-conf.json key (keys: ${Object.keys(config.data).join(', ') || 'none'})`));
  } else {
    try {
      conf = JSON.parse(config.data['net-conf.json']) as NetConf;
    } catch (error) {
      findings.push(fail(`${where} is not JSON: ${(error as Error).message}`));
    }
  }
  if (conf !== undefined) judgeNetConf(conf, where, facts, seen, findings);
  judgeAnnotations(facts, conf, seen, findings);
  const masq = flannelMasquerades(facts);
  const args = (facts.workloads.flannel ?? []).flatMap((w) => w.args);
  if (args.length > 0) {
    seen.push(
      `flanneld: ${flagValue(args, 'kube-subnet-mgr') === undefined ? 'without --kube-subnet-mgr (subnets in etcd)' : '--kube-subnet-mgr'}, ${masq === true ? '--ip-masq (pod traffic leaving the pod network is masqueraded)' : 'no --ip-masq'}${flagValue(args, 'iface') === undefined ? '' : `, --iface ${flagValue(args, 'iface')}`}`,
    );
  }
  return { plugin: 'flannel', seen, findings };
}

function judgeNetConf(conf: NetConf, where: string, facts: NetworkFacts, seen: string[], findings: Finding[]): void {
  const families: { family: 4 | 6; key: 'Network' | 'IPv6Network'; enabled: boolean }[] = [
    { family: 4, key: 'Network', enabled: conf.EnableIPv4 !== false },
    { family: 6, key: 'IPv6Network', enabled: conf.EnableIPv6 === true },
  ];
  for (const { family, key, enabled } of families) {
    if (!enabled) continue;
    const text = conf[key];
    const network = text === undefined ? undefined : parseCidr(text);
    if (text === undefined || network === undefined || network.family !== family) {
      findings.push(
        fail(`${where} ${key} is ${text === undefined ? 'missing' : `"${text}", not an IPv${family} CIDR`}${family === 6 ? ' though EnableIPv6 is true' : ''}`),
      );
      continue;
    }
    seen.push(`${key} ${network.text}`);
    for (const node of facts.nodes) {
      const cidrs = node.podCIDRs.map(parseCidr).filter((c): c is Cidr => c !== undefined && c.family === family);
      if (cidrs.length === 0) {
        findings.push(
          fail(
            `node ${node.name} has no IPv${family} podCIDR: flanneld with --kube-subnet-mgr takes its subnet from it (the controller-manager's --allocate-node-cidrs)`,
            node.name,
          ),
        );
        continue;
      }
      for (const cidr of cidrs)
        if (!containsCidr(network, cidr))
          findings.push(fail(`flannel ${key} ${network.text} (${where}) does not contain node ${node.name}'s podCIDR ${cidr.text}`, node.name));
    }
    const cluster = (facts.clusterCidr?.cidrs ?? []).map(parseCidr).find((c): c is Cidr => c !== undefined && c.family === family);
    if (cluster !== undefined && !sameRange(cluster, network)) {
      findings.push(fail(`flannel ${key} ${network.text} (${where}) differs from the cluster's pod CIDR ${cluster.text} (${facts.clusterCidr?.source})`));
    }
  }
  const type = (conf.Backend?.Type ?? 'udp').toLowerCase();
  const overhead = BACKEND_OVERHEAD[type];
  const port = conf.Backend?.Port ?? (type === 'vxlan' ? VXLAN_DEFAULT_PORT : undefined);
  seen.push(
    `Backend ${type}${port === undefined ? '' : ` on UDP ${port}`}${conf.Backend?.VNI === undefined ? '' : ` VNI ${conf.Backend.VNI}`}${overhead === undefined ? '' : overhead === 0 ? ' (no encapsulation: pod MTU = link MTU)' : ` (pod MTU = link MTU - ${overhead})`}${conf.Backend?.MTU === undefined ? '' : `, MTU ${conf.Backend.MTU}`}`,
  );
  if (conf.Backend?.Type === undefined)
    findings.push(warn(`${where} names no Backend Type: flannel falls back to udp, a userspace backend removed from current flannel releases`));
  else if (type === 'udp') findings.push(warn(`${where} Backend Type is udp: a userspace backend removed from current flannel releases`));
  if (conf.Backend?.Port !== undefined && (conf.Backend.Port < 1 || conf.Backend.Port > 65535))
    findings.push(fail(`${where} Backend Port ${conf.Backend.Port} is not a UDP port`));
}

function judgeAnnotations(facts: NetworkFacts, conf: NetConf | undefined, seen: string[], findings: Finding[]): void {
  const expectedType = conf?.Backend?.Type?.toLowerCase() ?? (conf === undefined ? undefined : 'udp');
  const publicIps = new Map<string, string[]>();
  const macs = new Map<string, string[]>();
  let annotated = 0;
  for (const node of facts.nodes) {
    const a = (key: string) => node.annotations[`${FLANNEL_PREFIX}${key}`];
    const type = a('backend-type');
    if (type === undefined) {
      findings.push(
        fail(
          `node ${node.name} has no ${FLANNEL_PREFIX}backend-type annotation: flanneld has not registered this node (not running there, or failing at start)`,
          node.name,
        ),
      );
      continue;
    }
    annotated++;
    if (expectedType !== undefined && type.toLowerCase() !== expectedType)
      findings.push(
        fail(
          `node ${node.name} annotation ${FLANNEL_PREFIX}backend-type is ${type}, net-conf.json Backend Type is ${expectedType}: flanneld there runs an older config (restart it)`,
          node.name,
        ),
      );
    const publicIp = a('public-ip');
    if (publicIp === undefined)
      findings.push(fail(`node ${node.name} has no ${FLANNEL_PREFIX}public-ip annotation: other nodes do not know where to send its pods' traffic`, node.name));
    else {
      publicIps.set(publicIp, [...(publicIps.get(publicIp) ?? []), node.name]);
      if (node.addresses.length > 0 && !node.addresses.includes(publicIp)) {
        findings.push(
          warn(
            `node ${node.name}: flanneld uses public-ip ${publicIp}, which is none of the node's addresses (${node.addresses.join(', ')}): it picked another interface (--iface / --iface-regex decide)`,
            node.name,
          ),
        );
      }
    }
    const data = a('backend-data');
    if (expectedType === 'vxlan' || type.toLowerCase() === 'vxlan') {
      let mac: string | undefined;
      try {
        mac = data === undefined ? undefined : (JSON.parse(data) as { VtepMAC?: string }).VtepMAC;
      } catch {
        mac = undefined;
      }
      if (mac === undefined || mac === '')
        findings.push(
          fail(
            `node ${node.name} annotation ${FLANNEL_PREFIX}backend-data has no VtepMAC (${data ?? 'annotation missing'}): other nodes cannot program the VXLAN forwarding entry for it`,
            node.name,
          ),
        );
      else macs.set(mac.toLowerCase(), [...(macs.get(mac.toLowerCase()) ?? []), node.name]);
    }
  }
  for (const [ip, nodes] of publicIps)
    if (nodes.length > 1)
      findings.push(
        fail(
          `nodes ${nodes.join(' and ')} all announce flannel public-ip ${ip}: traffic for their pods goes to one host (every node picked the same interface, e.g. a NAT adapter)`,
        ),
      );
  for (const [mac, nodes] of macs)
    if (nodes.length > 1) findings.push(fail(`nodes ${nodes.join(' and ')} announce the same VtepMAC ${mac}: VXLAN frames for one go to the other`));
  if (annotated > 0)
    seen.push(`${annotated} of ${facts.nodes.length} node(s) annotated by flanneld${macs.size > 0 ? `, ${macs.size} distinct VTEP MAC(s)` : ''}`);
}
