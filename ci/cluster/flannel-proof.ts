// Proves that a local cluster in the flannel profile really runs its pod network on flannel:
// flanneld's lease and node annotations per node, the VXLAN device and its MTU, no static route
// between nodes' pod ranges, and a pod on one node reaching a pod on another through flannel.1
// (the route says so and the device's counters move). Run it after `cluster:up -- --cni flannel`:
//   npx node ci/cluster/flannel-proof.ts
// It prints one line per fact and exits 1 if any is false. Its pods live in a namespace of their
// own, removed at the end whatever happened.
import { ClusterError, formatClusterError } from './errors.ts';
import { flannel, subnetEnv, vxlanMtu } from './flannel.ts';
import { imageRef } from './images.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { runningNodes, type NodeLayout } from './layout.ts';
import { log } from './log.ts';
import { currentProfile } from './profile.ts';
import { tryRun } from './sh.ts';

const namespace = 'shakedown-flannel-proof';

interface Fact {
  what: string;
  ok: boolean;
  seen: string;
}

function nodeFacts(node: NodeLayout, peers: NodeLayout[]): Fact[] {
  const facts: Fact[] = [];
  const env = subnetEnv(node);
  facts.push({
    what: `${node.name}: subnet.env leases the node's podCIDR ${node.podCidr}`,
    ok: env?.FLANNEL_SUBNET?.replace(/\.1\//, '.0/') === node.podCidr,
    seen: JSON.stringify(env),
  });
  const mtu = vxlanMtu(node);
  facts.push({ what: `${node.name}: ${flannel.vxlanDevice} has MTU ${flannel.expectedMtu}`, ok: mtu === flannel.expectedMtu, seen: String(mtu) });
  const details = tryRun('ip', ['-n', node.netns, '-d', 'link', 'show', flannel.vxlanDevice]) ?? '';
  facts.push({
    what: `${node.name}: ${flannel.vxlanDevice} is VXLAN on UDP ${flannel.vxlanPort} from ${node.ip}`,
    ok: details.includes('vxlan id 1') && details.includes(`dstport ${flannel.vxlanPort}`) && details.includes(`local ${node.ip}`),
    seen: details.split('\n').find((l) => l.includes('vxlan')) ?? details,
  });
  const annotations = JSON.parse(kubectl(['get', 'node', node.name, '-o', 'jsonpath={.metadata.annotations}']) || '{}') as Record<string, string>;
  facts.push({
    what: `${node.name}: annotations flannel.alpha.coreos.com/backend-type vxlan, public-ip ${node.ip}`,
    ok: annotations['flannel.alpha.coreos.com/backend-type'] === 'vxlan' && annotations['flannel.alpha.coreos.com/public-ip'] === node.ip,
    seen: Object.entries(annotations)
      .filter(([k]) => k.startsWith('flannel.'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  });
  const reason = kubectl(['get', 'node', node.name, '-o', 'jsonpath={.status.conditions[?(@.type=="NetworkUnavailable")].reason}']).trim();
  facts.push({ what: `${node.name}: NetworkUnavailable condition reason FlannelIsUp`, ok: reason === 'FlannelIsUp', seen: reason || '(none)' });
  const routes = tryRun('ip', ['-n', node.netns, 'route', 'show']) ?? '';
  for (const peer of peers.filter((p) => p.index !== node.index)) {
    const line = routes.split('\n').find((l) => l.startsWith(`${peer.podCidr} `)) ?? '';
    facts.push({
      what: `${node.name}: ${peer.name}'s pod range is routed through ${flannel.vxlanDevice}, not a static route via ${peer.ip}`,
      ok: line.includes(`dev ${flannel.vxlanDevice}`) && !line.includes(`via ${peer.ip}`),
      seen: line || '(no route)',
    });
  }
  return facts;
}

/** Packet counters of the node's VXLAN device (from netlink: /sys shows the host's devices, whatever the netns). */
function vxlanCounters(node: NodeLayout): { tx: number; rx: number } {
  const out = tryRun('ip', ['-j', '-s', '-n', node.netns, 'link', 'show', 'dev', flannel.vxlanDevice]);
  const [link] = out === null ? [] : (JSON.parse(out) as { stats64?: { rx?: { packets?: number }; tx?: { packets?: number } } }[]);
  return { tx: link?.stats64?.tx?.packets ?? Number.NaN, rx: link?.stats64?.rx?.packets ?? Number.NaN };
}

async function crossNodeFacts(a: NodeLayout, b: NodeLayout): Promise<Fact[]> {
  const image = imageRef('busybox');
  const pod = (name: string, node: NodeLayout, cmd: string): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { nodeName: node.name, terminationGracePeriodSeconds: 0, containers: [{ name, image, imagePullPolicy: 'Never', command: ['sh', '-c', cmd] }] },
    });
  kubectl(['create', 'namespace', namespace]);
  kubectl(['apply', '-f', '-'], pod('server', a, 'echo flannel-ok > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'));
  kubectl(['apply', '-f', '-'], pod('client', b, 'exec sleep 3600'));
  kubectl(['-n', namespace, 'wait', '--for=condition=Ready', 'pod/server', 'pod/client', '--timeout=90s']);
  const serverIp = kubectl(['-n', namespace, 'get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}']).trim();
  const route = tryRun('ip', ['-n', b.netns, 'route', 'get', serverIp]) ?? '';
  const before = { a: vxlanCounters(a), b: vxlanCounters(b) };
  // nc, not wget: Debian's static busybox wget crashes (exit 139) in these pods.
  const request = `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${serverIp} 8080`;
  const answer = tryKubectl(['-n', namespace, 'exec', 'client', '--', 'sh', '-c', request]) ?? '';
  const body = answer.trim().split('\n').at(-1)?.trim() || '(no answer)';
  const after = { a: vxlanCounters(a), b: vxlanCounters(b) };
  return [
    {
      what: `${b.name} routes ${a.name}'s pod ${serverIp} through ${flannel.vxlanDevice}`,
      ok: route.includes(`dev ${flannel.vxlanDevice}`),
      seen: route.split('\n')[0] ?? '',
    },
    { what: `a pod on ${b.name} fetches a page from a pod on ${a.name}`, ok: body === 'flannel-ok', seen: body },
    {
      what: `the fetch went through ${flannel.vxlanDevice}: out of ${b.name} and into ${a.name}`,
      ok: after.b.tx > before.b.tx && after.a.rx > before.a.rx,
      seen: `${b.name} tx ${before.b.tx}->${after.b.tx}, ${a.name} rx ${before.a.rx}->${after.a.rx}`,
    },
  ];
}

async function main(): Promise<number> {
  if (currentProfile() !== 'flannel')
    throw new ClusterError('CLUSTER_NOT_RUNNING', 'the local cluster is not in the flannel profile', { hint: 'npm run cluster:up -- --nodes 2 --cni flannel' });
  const nodes = runningNodes();
  const facts = nodes.flatMap((n) => nodeFacts(n, nodes));
  const [first, second] = nodes;
  if (first !== undefined && second !== undefined) {
    try {
      facts.push(...(await crossNodeFacts(first, second)));
    } finally {
      tryKubectl(['delete', 'namespace', namespace, '--timeout=60s']);
    }
  } else {
    facts.push({ what: 'two nodes to send pod traffic between', ok: false, seen: `${nodes.length} node(s)` });
  }
  for (const f of facts) (f.ok ? log.done : log.warn)(`${f.what}${f.ok ? '' : ` — seen: ${f.seen}`}`);
  const failed = facts.filter((f) => !f.ok).length;
  log.step(`${facts.length - failed} of ${facts.length} facts hold`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(formatClusterError(err));
      process.exitCode = 1;
    },
  );
}
