// Where a StorageClass's provisioner runs. A CSI driver is found by its CSIDriver object, by the
// nodes whose CSINode lists it (the node plugin) and by the workloads that mention its name (the
// registrar's socket path, a --provisioner or --driver-name flag); any other provisioner (an
// external one such as rancher.io/local-path) by the workloads whose pod template mentions its name
// or that are named after it. Then its pods: none running is "runs nowhere", the failure people
// meet as a claim Pending forever with "waiting for a volume to be created by external provisioner".
// Pure: the facts are read elsewhere (provisioner-facts.ts) and faked in the tests.
import { NO_PROVISIONER } from './classes.ts';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface WorkloadFacts {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  // spec.selector.matchLabels: which pods are its own.
  selector: Record<string, string>;
  desired: number;
  ready: number;
  // Every command, argument and environment value of its pod template, joined.
  mentions: string;
}

export interface PodFacts {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  node?: string;
  phase: string;
  ready: boolean;
  // Every container is running (not waiting, not terminated): a pod that is only failing its
  // readiness probe, as opposed to one that cannot start or keeps crashing.
  running?: boolean;
  // Why it is not ready, when it is not.
  reason?: string;
}

export interface StorageFacts {
  workloads: WorkloadFacts[];
  pods: PodFacts[];
  csiDrivers: string[];
  // Per node, the drivers its CSINode lists.
  csiNodes: Record<string, string[]>;
  // The nodes that run pods (schedulable), where a CSI node plugin must be.
  nodes: string[];
}

export interface MatchedWorkload {
  workload: WorkloadFacts;
  // How it was matched: "its pod template mentions rancher.io/local-path" or "named after local-path".
  by: string;
  pods: PodFacts[];
}

export type ProvisionerVerdict = 'static' | 'running' | 'not-ready' | 'nowhere' | 'partial';

export interface ProvisionerFinding {
  provisioner: string;
  // The CSI driver name behind it (itself, or the one an in-tree name migrated to).
  csiDriver?: string;
  csiDriverObject: boolean;
  verdict: ProvisionerVerdict;
  workloads: MatchedWorkload[];
  // Nodes whose CSINode does not list the driver (CSI only).
  nodesWithout: string[];
  // One sentence: where it runs, or why it runs nowhere.
  summary: string;
}

// In-tree provisioner names, migrated to these CSI drivers (in-tree provisioning is gone).
export const MIGRATED: Readonly<Record<string, string>> = {
  'kubernetes.io/aws-ebs': 'ebs.csi.aws.com',
  'kubernetes.io/gce-pd': 'pd.csi.storage.gke.io',
  'kubernetes.io/azure-disk': 'disk.csi.azure.com',
  'kubernetes.io/azure-file': 'file.csi.azure.com',
  'kubernetes.io/cinder': 'cinder.csi.openstack.org',
  'kubernetes.io/vsphere-volume': 'csi.vsphere.vmware.com',
  'kubernetes.io/portworx-volume': 'pxd.portworx.com',
};

const GENERIC = new Set(['csi', 'k8s', 'io', 'com', 'org', 'net', 'kubernetes', 'storage', 'provisioner', 'driver', 'cloud', 'volume', 'disk']);

// The words a workload running this provisioner is usually named after: the path of
// "rancher.io/local-path" (local-path), the first label of "ebs.csi.aws.com" (ebs) when it says something.
export function nameTokens(provisioner: string): string[] {
  const slash = provisioner.lastIndexOf('/');
  const candidates = slash >= 0 ? [provisioner.slice(slash + 1)] : provisioner.split('.').slice(0, 1);
  return candidates.map((t) => t.toLowerCase()).filter((t) => t.length >= 3 && !GENERIC.has(t));
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

function mentionsName(text: string, name: string): boolean {
  // Whole name only: "ebs.csi.aws.com" must not match "ebs.csi.aws.com.example".
  let at = text.indexOf(name);
  while (at >= 0) {
    const after = text[at + name.length];
    const before = at === 0 ? undefined : text[at - 1];
    if ((after === undefined || !/[A-Za-z0-9.-]/.test(after)) && (before === undefined || !/[A-Za-z0-9.-]/.test(before))) return true;
    at = text.indexOf(name, at + 1);
  }
  return false;
}

export function matchWorkloads(provisioner: string, facts: Pick<StorageFacts, 'workloads' | 'pods'>, driver?: string): MatchedWorkload[] {
  const names = [...new Set([provisioner, ...(driver === undefined ? [] : [driver])])];
  const tokens = nameTokens(driver ?? provisioner);
  const matched: MatchedWorkload[] = [];
  for (const workload of facts.workloads) {
    const mentioned = names.find((name) => mentionsName(workload.mentions, name));
    const token = mentioned === undefined ? tokens.find((t) => workload.name.toLowerCase().includes(t)) : undefined;
    if (mentioned === undefined && token === undefined) continue;
    const pods = facts.pods.filter((pod) => pod.namespace === workload.namespace && selects(workload.selector, pod.labels));
    matched.push({ workload, by: mentioned !== undefined ? `its pod template mentions ${mentioned}` : `named after "${token}"`, pods });
  }
  // Those found by mention first: they are surely it.
  return matched.sort((a, b) => Number(b.by.startsWith('its pod')) - Number(a.by.startsWith('its pod')));
}

export function workloadName(w: WorkloadFacts): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

function podLine(pod: PodFacts): string {
  return `${pod.namespace}/${pod.name} on ${pod.node ?? '(no node)'}: ${pod.ready ? 'ready' : `not ready (${pod.reason ?? pod.phase})`}`;
}

export function findProvisioner(provisioner: string, facts: StorageFacts): ProvisionerFinding {
  if (provisioner === NO_PROVISIONER) {
    return {
      provisioner,
      csiDriverObject: false,
      verdict: 'static',
      workloads: [],
      nodesWithout: [],
      summary: `${NO_PROVISIONER}: static PVs only, nothing has to run`,
    };
  }
  const migrated = MIGRATED[provisioner];
  const driver = migrated ?? (facts.csiDrivers.includes(provisioner) ? provisioner : undefined);
  const csiDriverObject = driver !== undefined && facts.csiDrivers.includes(driver);
  const workloads = matchWorkloads(provisioner, facts, driver);
  const pods = workloads.flatMap((w) => w.pods);
  const ready = pods.filter((pod) => pod.ready);
  const nodesWithout = csiDriverObject && driver !== undefined ? facts.nodes.filter((node) => !(facts.csiNodes[node] ?? []).includes(driver)) : [];
  const base = { provisioner, ...(driver === undefined ? {} : { csiDriver: driver }), csiDriverObject, workloads, nodesWithout };
  const via = migrated === undefined ? '' : ` (migrated to the CSI driver ${migrated})`;

  if (migrated !== undefined && !csiDriverObject) {
    return { ...base, verdict: 'nowhere', summary: `${provisioner}${via}: no CSIDriver ${migrated} is installed, so nothing provisions for it` };
  }
  if (pods.length === 0) {
    const scaled = workloads.map((w) => `${workloadName(w.workload)} (${w.by}) has ${w.workload.desired} desired and ${w.workload.ready} ready pod(s)`);
    const csi =
      csiDriverObject && driver !== undefined
        ? `; CSIDriver ${driver} exists and ${facts.nodes.length - nodesWithout.length} of ${facts.nodes.length} node(s) list it in CSINode`
        : '';
    return {
      ...base,
      verdict: 'nowhere',
      summary:
        workloads.length === 0
          ? `${provisioner}${via} runs nowhere: no Deployment, StatefulSet or DaemonSet mentions it or is named after it${csi}`
          : `${provisioner}${via} runs nowhere: ${scaled.join('; ')}${csi}`,
    };
  }
  if (ready.length === 0) {
    return { ...base, verdict: 'not-ready', summary: `${provisioner}${via}: none of its ${pods.length} pod(s) is ready: ${pods.map(podLine).join('; ')}` };
  }
  const where = `${ready.length} ready pod(s) of ${workloads
    .filter((w) => w.pods.length > 0)
    .map((w) => workloadName(w.workload))
    .join(', ')}`;
  if (nodesWithout.length > 0) {
    return {
      ...base,
      verdict: 'partial',
      summary: `${provisioner}${via}: controller running (${where}), but the CSI node plugin is missing on ${nodesWithout.length} node(s): ${nodesWithout.join(', ')} (their CSINode does not list ${driver})`,
    };
  }
  const notReady = pods.filter((pod) => !pod.ready);
  return {
    ...base,
    verdict: 'running',
    summary: `${provisioner}${via} runs: ${where}${notReady.length > 0 ? ` (${notReady.length} more not ready)` : ''}${csiDriverObject ? `; CSINode lists ${driver} on all ${facts.nodes.length} node(s)` : ''}`,
  };
}

export function findingPods(finding: ProvisionerFinding): PodFacts[] {
  return finding.workloads.flatMap((w) => w.pods);
}

export function findingLines(finding: ProvisionerFinding): string[] {
  return [
    finding.summary,
    ...finding.workloads.map(
      (w) =>
        `${workloadName(w.workload)} (${w.by}): ${w.workload.ready}/${w.workload.desired} ready${w.pods.length > 0 ? `; pods: ${w.pods.map(podLine).join('; ')}` : ''}`,
    ),
  ];
}
