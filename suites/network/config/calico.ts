// Calico, as its resources say (crd.projectcalico.org/v1 or projectcalico.org/v3): IPPools (CIDR
// against the nodes' podCIDRs and the controller-manager's --cluster-cidr, blockSize, IPIP and
// VXLAN modes, natOutgoing, disabled pools), BGP sessions from CalicoNodeStatus (established or not,
// per node), and the FelixConfiguration settings that matter (MTUs, iptables backend).
import { containsCidr, containsIp, overlaps, parseCidr, type Cidr } from './cidr.ts';
import type { CalicoNodeStatus, CalicoPeer, IPPool, NetworkFacts } from './facts.ts';
import { fail, warn, type Finding, type Judgement } from './judgement.ts';

const MODES = ['Never', 'Always', 'CrossSubnet'];
const FELIX_MTUS = ['mtu', 'vxlanMTU', 'vxlanMTUV6', 'ipipMTU', 'wireguardMTU', 'wireguardMTUV6'];

export interface Pool {
  name: string;
  cidr: Cidr;
  enabled: boolean;
  natOutgoing: boolean;
}

export const poolName = (pool: IPPool): string => pool.metadata?.name ?? '(unnamed)';

// The pools whose CIDR parses, with what matters for addressing and egress.
export function calicoPools(facts: NetworkFacts): Pool[] {
  return (facts.calico?.pools ?? []).flatMap((pool) => {
    const cidr = parseCidr(pool.spec?.cidr ?? '');
    return cidr === undefined ? [] : [{ name: poolName(pool), cidr, enabled: pool.spec?.disabled !== true, natOutgoing: pool.spec?.natOutgoing === true }];
  });
}

// Whether traffic from this pod address leaves masqueraded: the natOutgoing of the pool it is in.
export function calicoMasquerades(facts: NetworkFacts, podIP: string): { masquerade: boolean; pool: string } | undefined {
  const pool = calicoPools(facts).find((p) => containsIp(p.cidr, podIP));
  return pool === undefined ? undefined : { masquerade: pool.natOutgoing, pool: pool.name };
}

export function judgeCalico(facts: NetworkFacts): Judgement {
  const calico = facts.calico;
  if (calico === undefined)
    return {
      plugin: 'Calico',
      absent: 'Calico is not present: no IPPool API served (crd.projectcalico.org/v1 or projectcalico.org/v3)',
      seen: [],
      findings: [],
    };
  const seen: string[] = [`Calico resources read through ${calico.api}`];
  const findings: Finding[] = [];
  judgePools(calico.pools, facts, seen, findings);
  judgeBgp(calico.nodeStatuses, facts, seen, findings);
  judgeFelix(calico.felix, seen, findings);
  return { plugin: 'Calico', seen, findings };
}

function judgePools(pools: readonly IPPool[], facts: NetworkFacts, seen: string[], findings: Finding[]): void {
  if (pools.length === 0) {
    findings.push(
      fail(
        'the IPPool API is served but holds no IPPool: Calico IPAM has no address to give a pod (calico-node creates default-ipv4-ippool from CALICO_IPV4POOL_CIDR when it starts)',
      ),
    );
    return;
  }
  const parsed: Pool[] = [];
  for (const pool of pools) {
    const name = poolName(pool);
    const spec = pool.spec ?? {};
    const cidr = parseCidr(spec.cidr ?? '');
    if (cidr === undefined) {
      findings.push(fail(`IPPool ${name} cidr "${spec.cidr ?? ''}" is not a CIDR`));
      continue;
    }
    const enabled = spec.disabled !== true;
    parsed.push({ name, cidr, enabled, natOutgoing: spec.natOutgoing === true });
    const ipip = spec.ipipMode ?? 'Never';
    const vxlan = spec.vxlanMode ?? 'Never';
    const blockSize = spec.blockSize ?? (cidr.family === 4 ? 26 : 122);
    seen.push(
      `IPPool ${name} ${cidr.text}: blockSize ${blockSize}, ipipMode ${ipip}, vxlanMode ${vxlan}, natOutgoing ${spec.natOutgoing === true}${enabled ? '' : ', disabled'}${spec.nodeSelector === undefined || spec.nodeSelector === 'all()' ? '' : `, nodeSelector ${spec.nodeSelector}`}`,
    );
    for (const [field, mode] of [
      ['ipipMode', ipip],
      ['vxlanMode', vxlan],
    ] as const)
      if (!MODES.includes(mode)) findings.push(fail(`IPPool ${name} ${field} is "${mode}", not one of ${MODES.join(', ')}`));
    if (ipip !== 'Never' && vxlan !== 'Never')
      findings.push(fail(`IPPool ${name} sets both ipipMode ${ipip} and vxlanMode ${vxlan}: Calico allows one encapsulation per pool`));
    const [low, high] = cidr.family === 4 ? [20, 32] : [116, 128];
    if (blockSize < low || blockSize > high) findings.push(fail(`IPPool ${name} blockSize ${blockSize} is outside ${low}-${high} for IPv${cidr.family}`));
    else if (blockSize < cidr.prefix) findings.push(fail(`IPPool ${name} blockSize /${blockSize} is larger than the pool ${cidr.text} itself`));
    else if (enabled) {
      const blocks = 2 ** Math.min(40, blockSize - cidr.prefix);
      if (blocks < facts.nodes.length)
        findings.push(
          warn(
            `IPPool ${name} ${cidr.text} holds ${blocks} block(s) of /${blockSize} for ${facts.nodes.length} nodes: some nodes get no block of their own and borrow addresses from others' blocks`,
          ),
        );
    }
    const cluster = (facts.clusterCidr?.cidrs ?? []).map(parseCidr).find((c): c is Cidr => c !== undefined && c.family === cidr.family);
    if (enabled && cluster !== undefined && !containsCidr(cluster, cidr))
      findings.push(fail(`IPPool ${name} ${cidr.text} is not within the cluster's pod CIDR ${cluster.text} (${facts.clusterCidr?.source})`));
  }
  const enabled = parsed.filter((p) => p.enabled);
  if (parsed.length > 0 && enabled.length === 0)
    findings.push(fail(`every IPPool is disabled (${parsed.map((p) => `${p.name} ${p.cidr.text}`).join(', ')}): Calico IPAM assigns no new pod address`));
  for (let i = 0; i < enabled.length; i++) {
    for (const other of enabled.slice(i + 1)) {
      const pool = enabled[i] as Pool;
      if (overlaps(pool.cidr, other.cidr)) findings.push(fail(`IPPools ${pool.name} ${pool.cidr.text} and ${other.name} ${other.cidr.text} overlap`));
    }
  }
  // Each node's podCIDR should lie in an enabled pool: Calico's pools and the cluster's pod CIDR
  // (kube-proxy's --cluster-cidr, the controller-manager's) must describe the same addresses.
  for (const node of facts.nodes) {
    for (const text of node.podCIDRs) {
      const cidr = parseCidr(text);
      if (cidr === undefined) continue;
      const family = enabled.filter((p) => p.cidr.family === cidr.family);
      if (family.length === 0 || family.some((p) => containsCidr(p.cidr, cidr))) continue;
      const pools = family.map((p) => `${p.name} ${p.cidr.text}`);
      findings.push(
        fail(
          `${pools.length === 1 ? `IPPool ${pools[0]} does` : `no enabled IPPool (${pools.join(', ')})`} not contain node ${node.name}'s podCIDR ${cidr.text}`,
          node.name,
        ),
      );
    }
  }
  const encapsulations = new Set(enabled.map((p) => encapsulationOf(pools.find((pool) => poolName(pool) === p.name))));
  if (encapsulations.size > 1)
    findings.push(
      warn(
        `the enabled IPPools use different encapsulations (${[...encapsulations].join(', ')}): pod MTUs differ by pool, and Felix sizes one MTU per encapsulation`,
      ),
    );
}

export function encapsulationOf(pool: IPPool | undefined): string {
  const ipip = pool?.spec?.ipipMode ?? 'Never';
  const vxlan = pool?.spec?.vxlanMode ?? 'Never';
  if (ipip !== 'Never') return `IPIP ${ipip}`;
  if (vxlan !== 'Never') return `VXLAN ${vxlan}`;
  return 'none (BGP routes)';
}

export const peerText = (peer: CalicoPeer): string =>
  `${peer.peerIP ?? '?'} (${peer.type ?? 'peer'}) ${peer.state ?? 'no state'}${peer.since === undefined ? '' : ` since ${peer.since}`}`;

function judgeBgp(statuses: readonly CalicoNodeStatus[], facts: NetworkFacts, seen: string[], findings: Finding[]): void {
  if (statuses.length === 0) {
    seen.push('no CalicoNodeStatus: BGP sessions not reported (a CalicoNodeStatus per node with classes [Agent, BGP] makes calico-node report them)');
    return;
  }
  const known = new Set(facts.nodes.map((n) => n.name));
  for (const status of statuses) {
    const node = status.spec?.node ?? status.metadata?.name ?? '(unnamed)';
    const name = status.metadata?.name ?? node;
    if (status.status === undefined || (status.status.bgp === undefined && status.status.agent === undefined)) {
      findings.push(
        warn(`CalicoNodeStatus ${name} for node ${node} has no status: calico-node on ${node} has not reported (not running, or BGP is not in use)`, node),
      );
      continue;
    }
    if (!known.has(node)) findings.push(warn(`CalicoNodeStatus ${name} names node ${node}, which is not a node of this cluster`));
    for (const [bird, family] of [
      [status.status.agent?.birdV4, 'IPv4'],
      [status.status.agent?.birdV6, 'IPv6'],
    ] as const) {
      if (bird?.state !== undefined && bird.state !== 'Ready')
        findings.push(fail(`node ${node}: the ${family} BGP daemon (BIRD) is ${bird.state}, not Ready`, node));
    }
    const bgp = status.status.bgp;
    const peers = [...(bgp?.peersV4 ?? []), ...(bgp?.peersV6 ?? [])];
    const down = peers.filter((p) => p.state !== 'Established');
    for (const peer of down)
      findings.push(
        fail(
          `node ${node}: BGP peer ${peer.peerIP ?? '?'} (${peer.type ?? 'peer'}) is ${peer.state ?? 'in no state'}, not Established${peer.since === undefined ? '' : ` (since ${peer.since})`}: routes to the pods behind it are missing`,
          node,
        ),
      );
    const reportedDown = (bgp?.numberNotEstablishedV4 ?? 0) + (bgp?.numberNotEstablishedV6 ?? 0);
    if (down.length === 0 && reportedDown > 0) findings.push(fail(`node ${node}: calico-node reports ${reportedDown} BGP session(s) not established`, node));
    seen.push(
      `node ${node}: ${peers.length - down.length} of ${peers.length} BGP peer(s) Established${status.status.lastUpdated ? ` (reported ${status.status.lastUpdated})` : ''}`,
    );
  }
}

function judgeFelix(configs: readonly { metadata?: { name?: string }; spec?: Record<string, unknown> }[], seen: string[], findings: Finding[]): void {
  if (configs.length === 0) {
    seen.push('no FelixConfiguration (Felix runs on its defaults: MTUs detected from the host interface, iptables backend Auto)');
    return;
  }
  const global = configs.find((c) => c.metadata?.name === 'default');
  const describe = (spec: Record<string, unknown> | undefined) => {
    const parts = FELIX_MTUS.filter((key) => spec?.[key] !== undefined).map((key) => `${key} ${String(spec?.[key])}`);
    if (spec?.iptablesBackend !== undefined) parts.push(`iptablesBackend ${String(spec.iptablesBackend)}`);
    if (spec?.bpfEnabled === true) parts.push('eBPF data plane');
    return parts.length === 0 ? 'defaults (MTUs detected, iptablesBackend Auto)' : parts.join(', ');
  };
  seen.push(`FelixConfiguration default: ${global === undefined ? 'absent' : describe(global.spec)}`);
  const backend = global?.spec?.iptablesBackend;
  if (backend !== undefined && !['Legacy', 'NFT', 'Auto'].includes(String(backend)))
    findings.push(fail(`FelixConfiguration default iptablesBackend is "${String(backend)}", not Legacy, NFT or Auto`));
  for (const key of FELIX_MTUS) {
    const value = global?.spec?.[key];
    if (value !== undefined && (typeof value !== 'number' || value < 576 || value > 65535))
      findings.push(fail(`FelixConfiguration default ${key} is ${String(value)}: not a usable MTU`));
  }
  // Per-node overrides (node.NAME) that differ from the default: one node with another MTU or backend.
  for (const config of configs) {
    const name = config.metadata?.name ?? '';
    if (!name.startsWith('node.')) continue;
    const node = name.slice('node.'.length);
    for (const key of [...FELIX_MTUS, 'iptablesBackend']) {
      const value = config.spec?.[key];
      const base = global?.spec?.[key];
      if (value !== undefined && value !== base)
        findings.push(
          warn(`FelixConfiguration ${name} sets ${key} ${String(value)} on node ${node}, the default is ${base === undefined ? 'unset' : String(base)}`, node),
        );
    }
  }
}
