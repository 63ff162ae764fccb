// The static control plane (kubeadm's /etc/kubernetes/manifests) judged through its mirror pods:
// every component on every control-plane node, ready and not restarting; their versions against the
// API server, across nodes and against kubeadm-config; the flags that matter. Pure: what was read
// in, findings and evidence lines out; the checks in static-pods-check.ts end on them.
import { fail, warn, type Finding } from '../../helpers/engine/findings.ts';
import {
  CHECK_EXPIRATION,
  CONTROL_PLANE_COMPONENTS,
  plainVersion,
  type ClusterConfiguration,
  type ControlPlaneComponent,
  type StaticPod,
} from '../lib/kubeadm.ts';
import { minorOf } from './versions.ts';

// A container that restarted this often and last exited this recently keeps crashing, even while
// it happens to be up between two crashes.
export const LOOP_RESTARTS = 3;
export const LOOP_WINDOW_MS = 15 * 60_000;
// A restart this recent is named as a warning even when the container is up and ready now.
export const RECENT_RESTART_MS = 60 * 60_000;
// Restarts this soon after the pod started are start-up ordering (after kubeadm init or an upgrade
// the API server waits for etcd, the others for the API server), not a finding unless they loop.
export const STARTUP_MS = 5 * 60_000;

const MANIFEST_DIR = '/etc/kubernetes/manifests';

export interface Placement {
  // Nodes labelled node-role.kubernetes.io/control-plane.
  labelled: string[];
  // Nodes where at least one control-plane mirror pod runs.
  withPods: string[];
}

export function terminationText(pod: StaticPod): string {
  const last = pod.lastTermination;
  if (last === undefined) return 'no last termination recorded';
  return `last exit ${last.exitCode ?? '?'}${last.reason === undefined ? '' : ` (${last.reason})`}${last.finishedAt === undefined ? '' : ` at ${last.finishedAt}`}${last.message === undefined ? '' : `: ${last.message}`}`;
}

const sinceLastExit = (pod: StaticPod, now: Date): number | undefined => {
  const at = pod.lastTermination?.finishedAt;
  return at === undefined ? undefined : now.getTime() - Date.parse(at);
};

export function podLine(pod: StaticPod): string {
  return `${pod.component} on ${pod.node} (${pod.name}): ${pod.ready ? 'ready' : `NOT ready${pod.waitingReason === undefined ? '' : ` (${pod.waitingReason})`}`}, ${pod.restartCount} restart(s)${pod.restartCount > 0 ? `, ${terminationText(pod)}` : ''}; image ${pod.image || '(none)'}`;
}

// The components kubeadm runs on every control-plane node: etcd only when it is local.
function expectedComponents(pods: readonly StaticPod[], cluster: ClusterConfiguration | undefined): ControlPlaneComponent[] {
  if (cluster !== undefined) return CONTROL_PLANE_COMPONENTS.filter((c) => c !== 'etcd' || cluster.etcd.kind === 'local');
  return CONTROL_PLANE_COMPONENTS.filter((c) => pods.some((p) => p.component === c));
}

function restartFinding(pod: StaticPod, now: Date): Finding | undefined {
  const since = sinceLastExit(pod, now);
  const where = `${pod.component} on ${pod.node}`;
  const logs = `kubectl -n kube-system logs ${pod.name} --previous, or crictl logs on ${pod.node}`;
  const cause = `${pod.component} exits soon after it starts: read its log (${logs}); the usual causes are a flag or file in ${MANIFEST_DIR}/${pod.component}.yaml, an expired or missing certificate or kubeconfig under /etc/kubernetes (${CHECK_EXPIRATION}), or ${pod.component === 'etcd' ? 'its data directory or peers' : pod.component === 'kube-apiserver' ? 'etcd it cannot reach' : 'the API server it cannot reach'}`;
  const atStartup =
    pod.startedAt !== undefined &&
    pod.lastTermination?.finishedAt !== undefined &&
    Date.parse(pod.lastTermination.finishedAt) - Date.parse(pod.startedAt) <= STARTUP_MS;
  if (pod.waitingReason === 'CrashLoopBackOff' || (pod.restartCount >= LOOP_RESTARTS && since !== undefined && since <= LOOP_WINDOW_MS && !pod.ready))
    return fail(`${where} is in a restart loop: ${pod.restartCount} restart(s), ${pod.waitingReason ?? 'not ready'}, ${terminationText(pod)}`, {
      node: pod.node,
      likelyCause: cause,
      classification: 'error',
    });
  if (pod.restartCount >= LOOP_RESTARTS && since !== undefined && since <= LOOP_WINDOW_MS && !atStartup)
    return warn(
      `${where} restarted ${pod.restartCount} time(s), the last ${Math.round(since / 60_000)} minute(s) ago (${terminationText(pod)}): up now, but it keeps restarting`,
      {
        node: pod.node,
        likelyCause: cause,
      },
    );
  if (!pod.ready)
    return fail(`${where} is not ready${pod.waitingReason === undefined ? '' : ` (${pod.waitingReason})`}`, {
      node: pod.node,
      classification: 'error',
      likelyCause: `its readiness probe fails or its container is not running: read its log (${logs})`,
    });
  if (pod.restartCount > 0 && since !== undefined && since <= RECENT_RESTART_MS && !atStartup)
    return warn(`${where} restarted ${Math.round(since / 60_000)} minute(s) ago (${pod.restartCount} restart(s), ${terminationText(pod)}), ready now`, {
      node: pod.node,
      likelyCause: `a recent restart: an upgrade or a manifest change restarts it on purpose; otherwise read its previous log (${logs})`,
    });
  return undefined;
}

export function judgeStaticPods(
  pods: readonly StaticPod[],
  placement: Placement,
  cluster: ClusterConfiguration | undefined,
  now: Date,
): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const nodes = [...new Set([...placement.labelled, ...placement.withPods])].sort();
  const expected = expectedComponents(pods, cluster);
  const lines = [
    `control-plane nodes: ${nodes.join(', ')} (${placement.labelled.length === 0 ? 'none labelled node-role.kubernetes.io/control-plane' : `labelled: ${placement.labelled.join(', ')}`})`,
    `expected on each: ${expected.join(', ')}${cluster === undefined ? ' (the components seen on any node: no kubeadm-config)' : cluster.etcd.kind === 'external' ? ' (etcd is external in kubeadm-config)' : ''}`,
    ...pods.map(podLine),
  ];
  for (const node of nodes) {
    const here = pods.filter((p) => p.node === node);
    const missing = expected.filter((c) => !here.some((p) => p.component === c));
    if (missing.length === 0) continue;
    const none = here.length === 0;
    findings.push(
      fail(`no ${missing.join(', ')} mirror pod on ${node}${none ? ', a control-plane node by its label' : ''}`, {
        node,
        classification: 'missing',
        likelyCause: none
          ? `the kubelet on ${node} runs no static pod: it is down, or ${MANIFEST_DIR} on ${node} is empty (a control-plane node by its label only, or kubeadm join --control-plane did not finish)`
          : `the kubelet on ${node} does not run ${missing.map((c) => `${MANIFEST_DIR}/${c}.yaml`).join(', ')}: the file is missing or does not parse (the kubelet's log says which), or its mirror pod was refused (NodeRestriction, a webhook)`,
      }),
    );
  }
  for (const pod of pods) {
    const finding = restartFinding(pod, now);
    if (finding !== undefined) findings.push(finding);
  }
  return { findings, lines };
}

const sameVersion = (a: string, b: string): boolean => plainVersion(a) === plainVersion(b);

export interface VersionView {
  apiServer: string;
  pods: readonly StaticPod[];
  cluster?: ClusterConfiguration;
}

const UPGRADE_STEPS =
  '`kubeadm upgrade apply` on the first control-plane node, then `kubeadm upgrade node` on every other control-plane node, then the kubelets node by node';

// Versions of the control-plane images (etcd has its own versions and is shown only), against the
// API server that answered, across nodes, and against kubeadm-config's kubernetesVersion.
export function judgeStaticVersions(view: VersionView): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const { apiServer, cluster } = view;
  const lines = [`API server reports ${apiServer}`];
  if (cluster !== undefined) lines.push(`kubeadm-config kubernetesVersion: ${cluster.kubernetesVersion ?? '(unset)'}`);
  for (const pod of view.pods) lines.push(`${pod.component} on ${pod.node}: ${pod.version ?? '(untagged)'} (${pod.image})`);
  const kube = view.pods.filter((p) => p.component !== 'etcd');
  const reference = minorOf(apiServer);
  for (const component of CONTROL_PLANE_COMPONENTS) {
    const of = view.pods.filter((p) => p.component === component);
    const versions = [...new Set(of.map((p) => p.version ?? '(untagged)'))];
    if (versions.length > 1)
      findings.push(
        (component === 'etcd' ? warn : fail)(
          `${component} runs ${versions.length} versions across the control-plane nodes: ${versions
            .map(
              (v) =>
                `${v} on ${of
                  .filter((p) => (p.version ?? '(untagged)') === v)
                  .map((p) => p.node)
                  .join(', ')}`,
            )
            .join('; ')}`,
          {
            likelyCause: `an upgrade reached some control-plane nodes only: ${UPGRADE_STEPS}; finish it on the nodes still at the old version`,
          },
        ),
      );
  }
  for (const pod of kube) {
    if (pod.version === undefined) {
      findings.push(warn(`${pod.component} on ${pod.node} runs an untagged image (${pod.image}): its version cannot be read`, { node: pod.node }));
      continue;
    }
    if (sameVersion(pod.version, apiServer)) continue;
    const minor = minorOf(pod.version);
    const newer =
      minor !== undefined && reference !== undefined && (minor.major > reference.major || (minor.major === reference.major && minor.minor > reference.minor));
    const minorApart = minor === undefined || reference === undefined || minor.major !== reference.major || minor.minor !== reference.minor;
    const text = `${pod.component} on ${pod.node} runs ${pod.version}, the API server that answered reports ${apiServer}`;
    // Several versions of one component across nodes are one finding already (above).
    const spread = new Set(kube.filter((p) => p.component === pod.component).map((p) => p.version)).size > 1;
    if (pod.component === 'kube-apiserver') {
      if (spread) continue;
      findings.push(
        (minorApart ? fail : warn)(`${text}: its image and the running API server disagree`, {
          node: pod.node,
          likelyCause: `the image tag and the binary disagree (an image built or retagged by hand), or the static pod manifest on ${pod.node} was changed and the kubelet has not restarted it yet`,
        }),
      );
    } else if (newer)
      findings.push(
        fail(`${text}: ${pod.component} is newer than the API server, which the skew policy never allows`, {
          node: pod.node,
          likelyCause: `${MANIFEST_DIR}/${pod.component}.yaml on ${pod.node} was upgraded before the API server: ${UPGRADE_STEPS}`,
        }),
      );
    else if (!spread)
      findings.push(
        warn(`${text}: it was not upgraded with the API server`, {
          node: pod.node,
          likelyCause: `kubeadm upgrades every component of the control plane together: ${MANIFEST_DIR}/${pod.component}.yaml on ${pod.node} was pinned or edited by hand, or the upgrade stopped part way`,
        }),
      );
  }
  const declared = cluster?.kubernetesVersion;
  if (declared !== undefined && !sameVersion(declared, apiServer)) {
    const a = minorOf(declared);
    const minorApart = a === undefined || reference === undefined || a.major !== reference.major || a.minor !== reference.minor;
    const ahead = a !== undefined && reference !== undefined && (a.major > reference.major || (a.major === reference.major && a.minor > reference.minor));
    findings.push(
      (minorApart ? fail : warn)(
        `kubeadm-config says kubernetesVersion ${declared} but the API server reports ${apiServer}: an upgrade half-done${ahead ? ' (kubeadm recorded the new version, the API server still runs the old one)' : ''}`,
        {
          likelyCause: ahead
            ? `\`kubeadm upgrade apply ${declared}\` stopped after it recorded the new version, or the API server that answered is on a control-plane node where \`kubeadm upgrade node\` has not run: run it there, or run \`kubeadm upgrade apply ${declared}\` again on the first control-plane node`
            : `the control plane was changed outside kubeadm (manifests edited by hand), or \`kubeadm upgrade apply\` did not record its version: kubeadm's next upgrade plans from ${declared}`,
        },
      ),
    );
  }
  if (cluster?.imageRepository !== undefined)
    for (const pod of view.pods)
      if (pod.image !== '' && !pod.image.startsWith(`${cluster.imageRepository}/`))
        lines.push(`note: ${pod.component} on ${pod.node} is not from kubeadm-config's imageRepository ${cluster.imageRepository}`);
  return { findings, lines };
}

// Comma-separated CIDR lists compared as sets (dual-stack order does not matter).
const cidrSet = (value: string): string =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .sort()
    .join(',');

interface FlagRule {
  component: ControlPlaneComponent;
  flag: string;
  // undefined: fine; else the finding.
  judge: (
    value: string | undefined,
    cluster: ClusterConfiguration | undefined,
    flags: ReadonlyMap<string, string>,
  ) => { level: 'fail' | 'warn'; text: string; cause: string } | undefined;
}

/** A flag naming CIDRs that must be the kubeadm-config range it was written from (compared as sets: dual-stack order does not matter). */
function sameRange(flag: string, range: 'serviceSubnet' | 'podSubnet', cause: string): FlagRule['judge'] {
  return (value, cluster) => {
    const expected = cluster?.[range];
    return expected !== undefined && value !== undefined && cidrSet(value) !== cidrSet(expected)
      ? { level: 'fail', text: `--${flag} ${value} is not kubeadm-config's ${range} ${expected}`, cause }
      : undefined;
  };
}

const FLAG_RULES: FlagRule[] = [
  {
    component: 'kube-apiserver',
    flag: 'authorization-mode',
    judge: (value, _cluster, flags) => {
      // Authorizers from a file (structured authorization) are not readable from the API.
      if (value === undefined && flags.has('authorization-config')) return undefined;
      const modes = (value ?? 'AlwaysAllow').split(',').map((m) => m.trim());
      if (modes.includes('AlwaysAllow'))
        return {
          level: 'fail',
          text: `--authorization-mode ${value ?? '(unset: AlwaysAllow)'} lets every authenticated request do anything`,
          cause: "the API server authorizes nothing: set --authorization-mode=Node,RBAC (kubeadm's default)",
        };
      const missing = ['Node', 'RBAC'].filter((m) => !modes.includes(m));
      return missing.length === 0
        ? undefined
        : {
            level: 'fail',
            text: `--authorization-mode ${value ?? ''} lacks ${missing.join(' and ')}`,
            cause: missing.includes('Node')
              ? "without the Node authorizer kubelets (system:nodes) cannot read their pods' Secrets and ConfigMaps or update their own Node"
              : 'without RBAC no Role or ClusterRole is honoured: service accounts and users get only what the other authorizers grant',
          };
    },
  },
  {
    component: 'kube-apiserver',
    flag: 'service-cluster-ip-range',
    judge: sameRange(
      'service-cluster-ip-range',
      'serviceSubnet',
      "the manifest was edited without kubeadm-config (or the reverse): kubeadm writes the next upgrade's manifests from kubeadm-config, so the range would change under the existing Services",
    ),
  },
  {
    component: 'kube-apiserver',
    flag: 'enable-admission-plugins',
    judge: (value) =>
      (value ?? '').split(',').includes('NodeRestriction')
        ? undefined
        : {
            level: 'warn',
            text: `--enable-admission-plugins ${value ?? '(unset)'} lacks NodeRestriction`,
            cause: 'without NodeRestriction a kubelet may change other nodes and pods bound elsewhere (kubeadm enables it)',
          },
  },
  {
    component: 'kube-controller-manager',
    flag: 'cluster-cidr',
    judge: sameRange(
      'cluster-cidr',
      'podSubnet',
      'node podCIDRs are cut from --cluster-cidr while kube-proxy and the network plugin were set up from podSubnet: the manifest and kubeadm-config disagree',
    ),
  },
  {
    component: 'kube-controller-manager',
    flag: 'service-cluster-ip-range',
    judge: sameRange(
      'service-cluster-ip-range',
      'serviceSubnet',
      'the controller-manager and kubeadm-config disagree on the Service range: the manifest was edited by hand',
    ),
  },
  {
    component: 'kube-controller-manager',
    flag: 'use-service-account-credentials',
    judge: (value) =>
      value === 'true'
        ? undefined
        : {
            level: 'warn',
            text: `--use-service-account-credentials ${value ?? '(unset)'}: every controller acts with the controller-manager's own credentials`,
            cause: 'each controller should act as its own ServiceAccount (kubeadm sets --use-service-account-credentials=true), so RBAC can tell them apart',
          },
  },
  {
    component: 'etcd',
    flag: 'client-cert-auth',
    judge: (value) =>
      value === 'true'
        ? undefined
        : {
            level: 'fail',
            text: `--client-cert-auth ${value ?? '(unset)'}: etcd serves every key, Secrets included, to anyone who reaches its client port`,
            cause: 'etcd must require client certificates from its CA (kubeadm sets --client-cert-auth=true and --trusted-ca-file)',
          },
  },
  {
    component: 'etcd',
    flag: 'peer-client-cert-auth',
    judge: (value) =>
      value === 'true'
        ? undefined
        : {
            level: 'fail',
            text: `--peer-client-cert-auth ${value ?? '(unset)'}: anything that reaches the peer port can join or disturb the etcd cluster`,
            cause: 'etcd peers must authenticate each other with certificates (kubeadm sets --peer-client-cert-auth=true)',
          },
  },
];

// The flags shown as evidence for each component, besides those judged.
const SHOWN: Record<ControlPlaneComponent, string[]> = {
  'kube-apiserver': [
    'authorization-config',
    'advertise-address',
    'secure-port',
    'etcd-servers',
    'tls-cert-file',
    'client-ca-file',
    'service-account-issuer',
    'feature-gates',
  ],
  'kube-controller-manager': ['allocate-node-cidrs', 'controllers', 'leader-elect', 'cluster-signing-cert-file'],
  'kube-scheduler': ['leader-elect', 'bind-address', 'config'],
  etcd: ['listen-client-urls', 'advertise-client-urls', 'cert-file', 'trusted-ca-file', 'initial-cluster'],
};

export function judgeStaticFlags(pods: readonly StaticPod[], cluster: ClusterConfiguration | undefined): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const lines: string[] = [];
  if (cluster === undefined) lines.push('no kubeadm-config: the Service and pod ranges are not compared with it');
  for (const pod of pods) {
    const rules = FLAG_RULES.filter((r) => r.component === pod.component);
    const shown = [...new Set([...rules.map((r) => r.flag), ...SHOWN[pod.component]])].filter((f) => pod.flags.has(f) || rules.some((r) => r.flag === f));
    lines.push(`${pod.component} on ${pod.node}: ${shown.map((f) => `--${f}=${pod.flags.get(f) ?? '(unset)'}`).join(' ')}`);
    for (const rule of rules) {
      const verdict = rule.judge(pod.flags.get(rule.flag), cluster, pod.flags);
      if (verdict === undefined) continue;
      findings.push(
        (verdict.level === 'fail' ? fail : warn)(`${pod.component} on ${pod.node}: ${verdict.text}`, {
          node: pod.node,
          likelyCause: `${verdict.cause} (${MANIFEST_DIR}/${pod.component}.yaml on ${pod.node})`,
        }),
      );
    }
  }
  return { findings, lines };
}
