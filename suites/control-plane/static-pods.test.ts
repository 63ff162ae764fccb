import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../helpers/engine/findings.ts';
import { parseClusterConfiguration, staticPodsOf, type PodJson } from '../lib/kubeadm.ts';
import { changePod, clusterConfigurationYaml, controlPlanePods, crashLooping, mirrorPod, NOW } from '../lib/testing/kubeadm.ts';
import { judgeStaticFlags, judgeStaticPods, judgeStaticVersions } from './static-pods.ts';

const cluster = parseClusterConfiguration(clusterConfigurationYaml());
const single = { labelled: ['node1'], withPods: ['node1'] };

function podsJudged(pods: PodJson[], placement = single) {
  const found = staticPodsOf(pods);
  return outcomeOf(judgeStaticPods(found, { ...placement, withPods: [...new Set(found.map((p) => p.node))] }, cluster, NOW).findings, { pass: 'ok' });
}

describe('static control-plane pods', () => {
  it('pass on a healthy kubeadm control plane, one line per pod', () => {
    const found = staticPodsOf(controlPlanePods(['node1']));
    expect(found.map((p) => p.name)).toEqual(['etcd-node1', 'kube-apiserver-node1', 'kube-controller-manager-node1', 'kube-scheduler-node1']);
    const judged = judgeStaticPods(found, single, cluster, NOW);
    expect(judged.findings).toEqual([]);
    expect(judged.lines).toContain('kube-scheduler on node1 (kube-scheduler-node1): ready, 0 restart(s); image localhost/shakedown/kube-scheduler:v1.34.4');
  });

  it('fail on a crash-looping scheduler on node1, naming the component, the node and the last exit', () => {
    const pods = changePod(controlPlanePods(['node1']), 'kube-scheduler-node1', (p) => crashLooping(p));
    const outcome = podsJudged(pods);
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe('kube-scheduler on node1 is in a restart loop: 7 restart(s), CrashLoopBackOff, last exit 1 (Error) at 2026-12-07T22:04:00Z');
    expect(outcome.likelyCause).toContain('kubectl -n kube-system logs kube-scheduler-node1 --previous');
  });

  it('warn on a component that restarted lately and is up again; old restarts and those at start-up are evidence only', () => {
    const recent = changePod(controlPlanePods(['node1']), 'kube-controller-manager-node1', (p) => {
      crashLooping(p, 1, '2026-12-07T21:50:00Z');
      p.status!.containerStatuses![0]!.ready = true;
      p.status!.containerStatuses![0]!.state = { running: {} };
    });
    expect(podsJudged(recent).status).toBe('warn');
    expect(podsJudged(recent).message).toContain('kube-controller-manager on node1 restarted 15 minute(s) ago');
    const old = changePod(controlPlanePods(['node1']), 'etcd-node1', (p) => {
      crashLooping(p, 2, '2026-12-01T10:00:00Z');
      p.status!.containerStatuses![0]!.ready = true;
      p.status!.containerStatuses![0]!.state = { running: {} };
    });
    expect(podsJudged(old).status).toBe('pass');
    const startup = changePod(controlPlanePods(['node1']), 'kube-apiserver-node1', (p) => {
      crashLooping(p, 2, '2026-12-07T21:52:00Z');
      p.status!.startTime = '2026-12-07T21:50:00Z';
      p.status!.containerStatuses![0]!.ready = true;
      p.status!.containerStatuses![0]!.state = { running: {} };
    });
    expect(podsJudged(startup).status).toBe('pass');
  });

  it('fail when a control-plane node lacks a component, and name a labelled node with none', () => {
    const pods = controlPlanePods(['node1', 'node2']).filter((p) => p.metadata.name !== 'kube-apiserver-node2');
    const outcome = podsJudged(pods, { labelled: ['node1', 'node2', 'node3'], withPods: [] });
    expect(outcome.status).toBe('fail');
    expect(outcome.evidence.find((e) => e.label === 'findings')?.text).toBe(
      [
        'FAIL no kube-apiserver mirror pod on node2',
        'FAIL no etcd, kube-apiserver, kube-controller-manager, kube-scheduler mirror pod on node3, a control-plane node by its label',
      ].join('\n'),
    );
  });

  it('ignore pods that are not mirror pods, and find the component by name when the label is missing', () => {
    const fake = mirrorPod('kube-apiserver', 'node1');
    delete fake.metadata.annotations!['kubernetes.io/config.mirror'];
    const unlabelled = mirrorPod('kube-scheduler', 'node2');
    delete unlabelled.metadata.labels!.component;
    expect(staticPodsOf([fake, unlabelled]).map((p) => `${p.component}@${p.node}`)).toEqual(['kube-scheduler@node2']);
  });
});

describe('static control-plane versions', () => {
  it('pass when every image, the API server and kubeadm-config agree', () => {
    const judged = judgeStaticVersions({ apiServer: 'v1.34.4', pods: staticPodsOf(controlPlanePods(['node1', 'node2'])), cluster });
    expect(judged.findings).toEqual([]);
    expect(judged.lines).toContain('kubeadm-config kubernetesVersion: v1.34.4');
  });

  it('fail on a half-done upgrade: kubeadm-config says v1.35.4, the API server reports v1.34.4', () => {
    const judged = judgeStaticVersions({
      apiServer: 'v1.34.4',
      pods: staticPodsOf(controlPlanePods(['node1'])),
      cluster: parseClusterConfiguration(clusterConfigurationYaml('v1.35.4')),
    });
    const outcome = outcomeOf(judged.findings, { pass: 'ok' });
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toBe(
      'kubeadm-config says kubernetesVersion v1.35.4 but the API server reports v1.34.4: an upgrade half-done (kubeadm recorded the new version, the API server still runs the old one)',
    );
    expect(outcome.likelyCause).toContain('kubeadm upgrade node');
  });

  it('fail when control-plane nodes run different versions (kubeadm upgrade node not run on one), one finding per component', () => {
    const pods = [...controlPlanePods(['node1'], 'v1.35.4'), ...controlPlanePods(['node2'], 'v1.34.4')];
    const judged = judgeStaticVersions({
      apiServer: 'v1.35.4',
      pods: staticPodsOf(pods),
      cluster: parseClusterConfiguration(clusterConfigurationYaml('v1.35.4')),
    });
    const texts = judged.findings.map((f) => `${f.level} ${f.text}`);
    expect(texts).toContain('fail kube-apiserver runs 2 versions across the control-plane nodes: v1.35.4 on node1; v1.34.4 on node2');
    expect(texts).toContain('fail kube-scheduler runs 2 versions across the control-plane nodes: v1.35.4 on node1; v1.34.4 on node2');
    expect(texts.filter((t) => t.startsWith('fail kube-apiserver on'))).toEqual([]);
    expect(texts).toHaveLength(3);
  });

  it('fail on a scheduler newer than the API server', () => {
    const pods = changePod(controlPlanePods(['node1']), 'kube-scheduler-node1', (p) => {
      p.spec!.containers![0]!.image = 'localhost/shakedown/kube-scheduler:v1.35.4';
    });
    const judged = judgeStaticVersions({ apiServer: 'v1.34.4', pods: staticPodsOf(pods), cluster });
    expect(judged.findings.map((f) => f.level)).toEqual(['fail']);
    expect(judged.findings[0]?.text).toContain('newer than the API server');
  });
});

describe('static control-plane flags', () => {
  it('pass on kubeadm defaults, with the judged flags as evidence', () => {
    const judged = judgeStaticFlags(staticPodsOf(controlPlanePods(['node1'])), cluster);
    expect(judged.findings).toEqual([]);
    expect(judged.lines.find((l) => l.startsWith('etcd on node1'))).toContain('--client-cert-auth=true');
  });

  it('fail on a Service range that is not kubeadm-config serviceSubnet, on RBAC missing, on etcd without client cert auth', () => {
    const pods = controlPlanePods(['node1']);
    const set = (name: string, flag: string, value: string | undefined) =>
      changePod(pods, name, (p) => {
        const command = p.spec!.containers![0]!.command!.filter((w) => !w.startsWith(`--${flag}=`));
        p.spec!.containers![0]!.command = value === undefined ? command : [...command, `--${flag}=${value}`];
      });
    set('kube-apiserver-node1', 'service-cluster-ip-range', '10.100.0.0/16');
    set('kube-apiserver-node1', 'authorization-mode', 'Node');
    set('etcd-node1', 'client-cert-auth', undefined);
    const judged = judgeStaticFlags(staticPodsOf(pods), cluster);
    expect(judged.findings.map((f) => `${f.level} ${f.text}`)).toEqual([
      'fail etcd on node1: --client-cert-auth (unset): etcd serves every key, Secrets included, to anyone who reaches its client port',
      'fail kube-apiserver on node1: --authorization-mode Node lacks RBAC',
      "fail kube-apiserver on node1: --service-cluster-ip-range 10.100.0.0/16 is not kubeadm-config's serviceSubnet 10.96.0.0/12",
    ]);
    const outcome = outcomeOf(judged.findings, { pass: 'ok' });
    expect(outcome.origin?.value).toBe('node1');
  });

  it('do not judge --authorization-mode when the API server reads its authorizers from --authorization-config', () => {
    const pods = changePod(controlPlanePods(['node1']), 'kube-apiserver-node1', (p) => {
      p.spec!.containers![0]!.command = [
        ...p.spec!.containers![0]!.command!.filter((w) => !w.startsWith('--authorization-mode=')),
        '--authorization-config=/etc/kubernetes/authz.yaml',
      ];
    });
    const judged = judgeStaticFlags(staticPodsOf(pods), cluster);
    expect(judged.findings).toEqual([]);
    expect(judged.lines.find((l) => l.startsWith('kube-apiserver'))).toContain('--authorization-config=/etc/kubernetes/authz.yaml');
  });

  it('compare dual-stack ranges as sets, and skip the comparison without kubeadm-config', () => {
    const dual = parseClusterConfiguration(clusterConfigurationYaml('v1.34.4', { serviceSubnet: '10.96.0.0/12,fd00:10:96::/112' }));
    const pods = changePod(controlPlanePods(['node1']), 'kube-apiserver-node1', (p) => {
      p.spec!.containers![0]!.command = p.spec!.containers![0]!.command!.map((w) =>
        w.startsWith('--service-cluster-ip-range=') ? '--service-cluster-ip-range=fd00:10:96::/112,10.96.0.0/12' : w,
      );
    });
    expect(judgeStaticFlags(staticPodsOf(pods), dual).findings.filter((f) => f.text.includes('kube-apiserver'))).toEqual([]);
    expect(judgeStaticFlags(staticPodsOf(pods), undefined).lines[0]).toBe('no kubeadm-config: the Service and pod ranges are not compared with it');
  });
});
