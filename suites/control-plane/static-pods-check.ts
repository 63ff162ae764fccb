// The checks of the static control plane: they read the kube-system mirror pods, the nodes and
// kubeadm's ConfigMaps once per worker, judge them with static-pods.ts, and skip with the reason
// where the control plane does not run as static pods (host processes, a managed control plane).
import type { CheckContext } from '../../helpers/engine/check.ts';
import { conclude, type Finding } from '../../helpers/engine/findings.ts';
import { relook } from '../../helpers/wait/poll.ts';
import { getJson } from '../lib/api-json.ts';
import { clusterConfigurationLines, NO_STATIC_PODS, readKubeadm, staticPodsOf, type KubeadmView, type PodJson, type StaticPod } from '../lib/kubeadm.ts';
import { judgeStaticFlags, judgeStaticPods, judgeStaticVersions, type Placement } from './static-pods.ts';

export interface StaticControlPlane {
  pods: StaticPod[];
  placement: Placement;
  kubeadm: KubeadmView;
  apiServer: string;
}

interface NodeList {
  items: { metadata: { name: string; labels?: Record<string, string> } }[];
}

const CONTROL_PLANE_ROLE = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];
// A failing reading is read once more after this: a static pod restarted on purpose (an upgrade, a
// manifest change) is not ready for a few seconds.
const RELOOK_MS = 10_000;

// Read once per cluster session (the suite's checks share it).
const reads = new WeakMap<object, Promise<StaticControlPlane>>();

export async function staticControlPlane(c: CheckContext): Promise<StaticControlPlane> {
  const { session } = await c.cluster();
  let read = reads.get(session);
  if (read === undefined) {
    read = (async () => {
      const [pods, nodes, kubeadm, version] = await Promise.all([
        getJson<{ items: PodJson[] }>(session.connection, '/api/v1/namespaces/kube-system/pods'),
        getJson<NodeList>(session.connection, '/api/v1/nodes'),
        readKubeadm(session.connection),
        session.clients.version.getCode(),
      ]);
      const found = staticPodsOf(pods.items);
      return {
        pods: found,
        placement: {
          labelled: nodes.items.filter((n) => CONTROL_PLANE_ROLE.some((label) => n.metadata.labels?.[label] !== undefined)).map((n) => n.metadata.name),
          withPods: [...new Set(found.map((p) => p.node))],
        },
        kubeadm,
        apiServer: version.gitVersion,
      };
    })();
    reads.set(session, read);
  }
  return read;
}

// The static control plane, or a skip with the reason when there is none.
async function present(c: CheckContext): Promise<StaticControlPlane> {
  const seen = await staticControlPlane(c);
  for (const problem of seen.kubeadm.problems) c.log(problem);
  if (seen.pods.length === 0) c.skip(`${NO_STATIC_PODS}; the checks above judge the components by what they do`);
  return seen;
}

function kubeadmLines(view: KubeadmView): string[] {
  if (view.cluster !== undefined) return clusterConfigurationLines(view.cluster);
  return [
    view.present.kubeadmConfig ? 'kube-system/kubeadm-config exists but could not be parsed' : 'no kube-system/kubeadm-config: not built with kubeadm',
    ...view.problems,
  ];
}

function end(c: CheckContext, findings: readonly Finding[], pass: string, lines: readonly string[], view: KubeadmView, label: string): void {
  conclude(c, findings, {
    pass,
    evidence: [
      { label, text: lines.join('\n') },
      { label: 'kubeadm-config', text: kubeadmLines(view).join('\n') },
    ],
  });
}

export async function staticPodsCheck(c: CheckContext): Promise<void> {
  const seen = await present(c);
  const { session } = await c.cluster();
  const judge = (pods: StaticPod[]) =>
    judgeStaticPods(
      pods,
      { ...seen.placement, withPods: [...new Set([...seen.placement.withPods, ...pods.map((p) => p.node)])] },
      seen.kubeadm.cluster,
      new Date(),
    );
  let looks = 0;
  const read = async (): Promise<StaticPod[]> =>
    looks++ === 0 ? seen.pods : staticPodsOf((await getJson<{ items: PodJson[] }>(session.connection, '/api/v1/namespaces/kube-system/pods', c.signal)).items);
  const { value: pods } = await relook(read, (p) => judge(p).findings.some((f) => f.level === 'fail'), {
    afterMs: RELOOK_MS,
    signal: c.signal,
    onBad: (p) =>
      c.log(
        `first reading: ${judge(p)
          .findings.map((f) => f.text)
          .join('; ')}; read again in ${RELOOK_MS / 1000} s`,
      ),
  });
  const { findings, lines } = judge(pods);
  const nodes = [...new Set([...seen.placement.labelled, ...seen.placement.withPods])];
  end(
    c,
    findings,
    `${pods.length} control-plane static pod(s) on ${nodes.length} node(s) (${nodes.join(', ')}), all ready, none restarting`,
    lines,
    seen.kubeadm,
    'mirror pods',
  );
}

export async function staticVersionsCheck(c: CheckContext): Promise<void> {
  const seen = await present(c);
  const { findings, lines } = judgeStaticVersions({
    apiServer: seen.apiServer,
    pods: seen.pods,
    ...(seen.kubeadm.cluster === undefined ? {} : { cluster: seen.kubeadm.cluster }),
  });
  const declared = seen.kubeadm.cluster?.kubernetesVersion;
  if (declared !== undefined) c.property('control-plane.kubeadm-kubernetes-version', declared);
  end(
    c,
    findings,
    `the control plane runs ${seen.apiServer} on every node${declared === undefined ? ' (no kubeadm-config to compare)' : `, as kubeadm-config says (${declared})`}`,
    lines,
    seen.kubeadm,
    'versions',
  );
}

export async function staticFlagsCheck(c: CheckContext): Promise<void> {
  const seen = await present(c);
  const { findings, lines } = judgeStaticFlags(seen.pods, seen.kubeadm.cluster);
  const cluster = seen.kubeadm.cluster;
  end(
    c,
    findings,
    `API server ${seen.pods.some((p) => p.component === 'kube-apiserver' && !p.flags.has('authorization-mode') && p.flags.has('authorization-config')) ? 'authorizes from its --authorization-config file (not readable here)' : '--authorization-mode includes Node,RBAC'}${seen.pods.some((p) => p.component === 'etcd') ? '; etcd requires client and peer certificates' : ''}${cluster === undefined ? '' : `; Service and pod ranges agree with kubeadm-config (${cluster.serviceSubnet ?? '?'}, ${cluster.podSubnet ?? '?'})`}`,
    lines,
    seen.kubeadm,
    'flags from the static pod manifests',
  );
}
