// kube-proxy's mode and settings as kubeadm configures it: the kube-proxy DaemonSet in kube-system
// reading its KubeProxyConfiguration from the kube-proxy ConfigMap (config.conf). Pure: what was
// read in, the mode, findings and evidence lines out (a reason to skip when kube-proxy is not run
// that way: a host process, or replaced by the network plugin).
import { fail, warn, type Finding } from '../../helpers/engine/findings.ts';
import { flagsOf, type KubeProxyConfiguration, type PodJson } from '../lib/kubeadm.ts';

export interface ProxyDaemonSet {
  name: string;
  image: string;
  // The first container's command and args.
  words: string[];
  desired: number;
  ready: number;
}

export interface KubeProxyReading {
  daemonSet?: ProxyDaemonSet;
  pods: readonly PodJson[];
  // Absent: no kube-system/kube-proxy ConfigMap, or it did not parse (problems say which).
  config?: KubeProxyConfiguration;
  configPresent: boolean;
  problems: readonly string[];
  apiServer: string;
  // kubeadm-config's podSubnet, when there is one.
  podSubnet?: string;
  // The network plugin the engine detected, for the reason of a skip.
  plugin?: string;
}

export interface KubeProxyJudgement {
  absent?: string;
  // The mode as kube-proxy runs it ("iptables" for an empty mode on Linux).
  mode?: string;
  findings: Finding[];
  lines: string[];
}

export const MODES = ['iptables', 'nftables', 'ipvs', 'kernelspace'] as const;
export const IPVS_MODULES = 'ip_vs, ip_vs_rr, ip_vs_wrr, ip_vs_sh';

const podLine = (pod: PodJson): string => {
  const status = pod.status?.containerStatuses?.[0];
  const last = status?.lastState?.terminated;
  return `${pod.metadata.name} on ${pod.spec?.nodeName ?? '?'}: ${status?.ready === true ? 'ready' : `NOT ready${status?.state?.waiting?.reason === undefined ? '' : ` (${status.state.waiting.reason})`}`}, ${status?.restartCount ?? 0} restart(s)${last === undefined ? '' : `, last exit ${last.exitCode ?? '?'} (${last.reason ?? '?'})`}`;
};

const notReady = (pods: readonly PodJson[]): PodJson[] => pods.filter((p) => p.status?.containerStatuses?.[0]?.ready !== true);

// What an empty mode means, and what each mode's state is in this Kubernetes version.
function modeState(mode: string, apiServer: string, pods: readonly PodJson[]): Finding | undefined {
  const version = /^v?(\d+)\.(\d+)/.exec(apiServer.trim());
  const minor = version === null || version[1] !== '1' ? undefined : Number(version[2]);
  const down = notReady(pods);
  const downNodes = down.map((p) => p.spec?.nodeName ?? p.metadata.name);
  if (mode === 'ipvs') {
    const deprecated =
      minor !== undefined && minor >= 35
        ? `deprecated since Kubernetes v1.35 (this cluster runs ${apiServer})`
        : 'deprecated upstream from Kubernetes v1.35 on';
    if (down.length > 0)
      return fail(`kube-proxy runs in ipvs mode and is not ready on ${downNodes.join(', ')}`, {
        classification: 'error',
        ...(downNodes.length === 1 && downNodes[0] !== undefined ? { node: downNodes[0] } : {}),
        likelyCause: `ipvs mode needs IPVS in the node's kernel (modules ${IPVS_MODULES}); where the kernel has none, kube-proxy cannot program Services there: read its log (kubectl -n kube-system logs ${down[0]?.metadata.name ?? 'POD'}), and use nftables (kernel 5.13 or newer) or iptables mode instead`,
      });
    return warn(
      `kube-proxy runs in ipvs mode: supported, but ${deprecated}, and only where every node's kernel has IPVS (${IPVS_MODULES}); kube-proxy is ready on every node, so they have it`,
      {
        likelyCause:
          'ipvs mode was chosen in the kube-proxy ConfigMap (kubeadm: KubeProxyConfiguration mode: ipvs); plan the move to nftables mode (GA since v1.33), since ipvs mode gets no new features and will be removed',
      },
    );
  }
  if (mode === 'nftables' && minor !== undefined && minor < 33)
    return warn(
      `kube-proxy runs in nftables mode on ${apiServer}, where it is ${minor >= 31 ? 'beta' : minor >= 29 ? 'alpha (the NFTablesProxyMode feature gate)' : 'not available'}`,
      {
        likelyCause: 'nftables mode is GA from v1.33: on older versions it is a preview; use iptables mode there, or upgrade',
      },
    );
  if (!(MODES as readonly string[]).includes(mode))
    return fail(`kube-proxy mode "${mode}" is not a mode kube-proxy knows (${MODES.join(', ')})`, {
      classification: 'mismatch',
      likelyCause: 'a typo in the kube-proxy ConfigMap: kube-proxy refuses to start with it',
    });
  return undefined;
}

export function judgeKubeProxy(read: KubeProxyReading): KubeProxyJudgement {
  const lines: string[] = [];
  const ds = read.daemonSet;
  if (ds === undefined)
    return {
      absent: `kube-proxy is not a DaemonSet in kube-system (label k8s-app=kube-proxy): it runs as a host process (its mode is in its flags or config file on each node) or the network plugin replaces it${read.plugin === undefined ? '' : ` (${read.plugin})`}; no ConfigMap to read the mode from`,
      findings: [],
      lines,
    };
  const flags = flagsOf(ds.words);
  const flagMode = flags.get('proxy-mode');
  lines.push(
    `DaemonSet kube-system/${ds.name}: ${ds.ready} of ${ds.desired} ready, image ${ds.image}, --config ${flags.get('config') ?? '(none)'}${flagMode === undefined ? '' : `, --proxy-mode ${flagMode}`}`,
  );
  lines.push(...read.problems);
  if (read.config === undefined && flagMode === undefined)
    return {
      absent: read.configPresent
        ? `the kube-system/kube-proxy ConfigMap does not hold a KubeProxyConfiguration that parses (${read.problems.join('; ')})`
        : `kube-proxy runs as DaemonSet kube-system/${ds.name} without a kube-system/kube-proxy ConfigMap or a --proxy-mode flag: its configuration comes from elsewhere, not readable here`,
      findings: [],
      lines,
    };
  const findings: Finding[] = [];
  const written = read.config?.mode ?? flagMode ?? '';
  const mode = written === '' ? 'iptables' : written;
  lines.push(
    read.config === undefined
      ? `mode from the DaemonSet's --proxy-mode: ${flagMode ?? ''}`
      : `mode in kube-system/kube-proxy config.conf: ${JSON.stringify(read.config.mode)}${read.config.mode === '' ? ' (empty: the default, iptables on Linux)' : ''}`,
  );
  if (read.config !== undefined) lines.push(...read.config.settings.map((s) => `  ${s}`));
  if (read.config !== undefined && flagMode !== undefined && (flagMode || 'iptables') !== mode)
    findings.push(
      warn(`the DaemonSet's --proxy-mode ${flagMode} and the ConfigMap's mode ${JSON.stringify(read.config.mode)} disagree`, {
        likelyCause:
          "two places set the mode: which one kube-proxy uses shows in its log at start ('Using <mode> Proxier') and at /proxyMode on its metrics port; keep one (kubeadm keeps it in the ConfigMap)",
      }),
    );
  const state = modeState(mode, read.apiServer, read.pods);
  if (state !== undefined) findings.push(state);
  const cidr = read.config?.clusterCIDR;
  if (cidr !== undefined && read.podSubnet !== undefined && cidr !== read.podSubnet)
    findings.push(
      warn(`kube-proxy's clusterCIDR ${cidr} is not kubeadm-config's podSubnet ${read.podSubnet}`, {
        likelyCause:
          'kube-proxy tells pod traffic from outside traffic by clusterCIDR (masquerading what comes from outside it): the ConfigMap was edited apart from kubeadm-config, or the pod range changed after kubeadm init',
      }),
    );
  const down = notReady(read.pods);
  if (down.length > 0 && mode !== 'ipvs')
    findings.push(
      warn(`kube-proxy is not ready on ${down.map((p) => p.spec?.nodeName ?? p.metadata.name).join(', ')}`, {
        likelyCause: 'its pod does not run or fails its health check there: Services may not answer from those nodes (see the control-plane suite)',
      }),
    );
  lines.push(...read.pods.map(podLine));
  lines.push(
    'the mode kube-proxy itself reports (GET /proxyMode on its metrics port, 127.0.0.1:10249 by default) is not asked by this run: on a node, `curl -s 127.0.0.1:10249/proxyMode` shows it',
  );
  return { mode, findings, lines };
}
