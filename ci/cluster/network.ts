// The cluster's network on this machine: a bridge on the host, one network namespace per node and
// one for the stub upstream DNS, each joined by a veth. Nothing is routed off the machine: nodes
// have no default route, and a host chain drops anything the bridge would forward elsewhere.
import { existsSync } from 'node:fs';
import { type NodeLayout, net, prefix } from './layout.ts';
import { run, tryRun } from './sh.ts';

const ip = (...args: string[]): string => run('ip', args);

export function ensureKernelModules(): void {
  for (const m of ['br_netfilter', 'overlay', 'nf_conntrack', 'ip_set', 'xt_set', 'vxlan']) tryRun('modprobe', [m]);
}

function linkExists(name: string, netns?: string): boolean {
  return tryRun('ip', [...(netns ? ['-n', netns] : []), 'link', 'show', name]) !== null;
}

export function setupHostNetwork(): void {
  ensureKernelModules();
  if (!linkExists(net.bridge)) {
    ip('link', 'add', net.bridge, 'type', 'bridge');
    ip('addr', 'add', `${net.hostIp}/24`, 'dev', net.bridge);
    ip('link', 'set', net.bridge, 'up');
  }
  // Host firewall: traffic may stay on the bridge, never be forwarded between it and anything else.
  if (tryRun('iptables', ['-w', '-S', net.hostChain]) === null) {
    run('iptables', ['-w', '-N', net.hostChain]);
    run('iptables', ['-w', '-A', net.hostChain, '-i', net.bridge, '-o', net.bridge, '-j', 'ACCEPT']);
    run('iptables', ['-w', '-A', net.hostChain, '-i', net.bridge, '-j', 'DROP']);
    run('iptables', ['-w', '-A', net.hostChain, '-o', net.bridge, '-j', 'DROP']);
    run('iptables', ['-w', '-I', 'FORWARD', '1', '-j', net.hostChain]);
  }
}

function sysctl(netns: string, key: string, value: string): void {
  run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', `${key}=${value}`]);
}

/** A namespace joined to the bridge through a veth, its end named eth0 inside. */
function attach(netns: string, hostEnd: string, address: string): void {
  if (!existsSync(`/run/netns/${netns}`)) ip('netns', 'add', netns);
  if (!linkExists(hostEnd)) {
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    ip('link', 'set', hostEnd, 'master', net.bridge, 'up');
  }
  ip('-n', netns, 'link', 'set', 'lo', 'up');
  if (!ip('-n', netns, '-4', 'addr', 'show', 'eth0').includes(address)) ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
  ip('-n', netns, 'link', 'set', 'eth0', 'up');
}

/**
 * `peers` are the nodes whose pod ranges get a static route here (all of them in the default
 * profile; none in the flannel profile, where flannel's VXLAN device carries pod traffic).
 */
export function setupNodeNetwork(node: NodeLayout, peers: NodeLayout[]): void {
  attach(node.netns, node.vethHost, node.ip);
  // Service IPs are translated by kube-proxy before they leave; the route only lets a socket open.
  ip('-n', node.netns, 'route', 'replace', net.serviceCidr, 'via', net.hostIp);
  for (const peer of peers) if (peer.index !== node.index) ip('-n', node.netns, 'route', 'replace', peer.podCidr, 'via', peer.ip);
  sysctl(node.netns, 'net.ipv4.ip_forward', '1');
  sysctl(node.netns, 'net.bridge.bridge-nf-call-iptables', '1');
  sysctl(node.netns, 'net.bridge.bridge-nf-call-ip6tables', '1');
  sysctl(node.netns, 'net.ipv4.conf.all.rp_filter', '0');
  refuseUntranslatedServiceTraffic(node);
  // The host reaches pods and Services as a machine on the nodes' network would through a router.
  ip('route', 'replace', node.podCidr, 'via', node.ip);
  if (node.index === 1) ip('route', 'replace', net.serviceCidr, 'via', node.ip);
}

/**
 * kube-proxy refuses connections to a Service without endpoints with a REJECT in the filter
 * FORWARD chain, but kube-router 2.1's firewall sits first in that chain and ACCEPTs every pod
 * packet that passes policy (its issue #1453), so the REJECT is never reached and clients hang.
 * A chain of ours that runs just before the iptables filter chains refuses new packets to the
 * Service range that kube-proxy did not translate, as kube-proxy's own rule would.
 */
function refuseUntranslatedServiceTraffic(node: NodeLayout): void {
  run('nft', ['-f', '-'], {
    netns: node.netnsPath,
    input: `table ip shakedown
delete table ip shakedown
table ip shakedown {
  chain forward {
    type filter hook forward priority -10; policy accept;
    ip daddr ${net.serviceCidr} ct state new ct status & dnat == 0 reject with icmp type port-unreachable
  }
}
`,
  });
}

export function setupUpstreamNetwork(nodes: NodeLayout[]): void {
  attach(net.upstreamNetns, `${prefix}-up-h`, net.upstreamIp);
  for (const n of nodes) ip('-n', net.upstreamNetns, 'route', 'replace', n.podCidr, 'via', n.ip);
}

/** Every network namespace of ours, by name. */
export function ourNetns(): string[] {
  return (tryRun('ip', ['netns', 'list']) ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
}

export async function teardownNetwork(): Promise<string[]> {
  const problems: string[] = [];
  for (const ns of ourNetns()) if (tryRun('ip', ['netns', 'delete', ns]) === null) problems.push(`netns ${ns}`);
  // A deleted namespace takes its veths with it, but the kernel does that asynchronously.
  for (let i = 0; i < 20 && ourLinks().length > 0; i++) {
    for (const link of ourLinks()) tryRun('ip', ['link', 'delete', link]);
    await new Promise((r) => setTimeout(r, 100));
  }
  problems.push(...ourLinks().map((l) => `link ${l}`));
  if (tryRun('iptables', ['-w', '-S', net.hostChain]) !== null) {
    while (tryRun('iptables', ['-w', '-D', 'FORWARD', '-j', net.hostChain]) !== null) {
      /* remove every jump */
    }
    tryRun('iptables', ['-w', '-F', net.hostChain]);
    if (tryRun('iptables', ['-w', '-X', net.hostChain]) === null) problems.push(`iptables chain ${net.hostChain}`);
  }
  return problems;
}

export function ourLinks(): string[] {
  return (tryRun('ip', ['-o', 'link', 'show']) ?? '')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
}
