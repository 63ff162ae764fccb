import { describe, expect, it } from 'vitest';
import { coreDnsEvidence, corefileProblems, diagnose, endpointProblems, parseCorefile, type CoreDnsState } from './dns-coredns.ts';

const kubeadm = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
}`;

describe('parseCorefile', () => {
  it('finds the kubernetes zones, the forwards and loop detection', () => {
    expect(parseCorefile(kubeadm)).toEqual({ kubernetesZones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], forwards: ['. /etc/resolv.conf'], loop: true });
    expect(corefileProblems(parseCorefile(kubeadm), 'cluster.local')).toEqual([]);
  });

  it('names what is missing', () => {
    const bare = parseCorefile('.:53 {\n  kubernetes k8s.example\n  # loop\n}');
    const problems = corefileProblems(bare, 'cluster.local');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('no kubernetes plugin for the cluster domain cluster.local (kubernetes zones: k8s.example)');
    expect(problems[1]).toContain('no forward');
    expect(problems[2]).toContain('no loop plugin');
  });
});

const service = { name: 'kube-dns', clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' } };
const pod = (name: string, ip: string, ready: boolean) => ({ name, node: 'node1', ip, ready, phase: 'Running' });

describe('diagnose', () => {
  it('names CoreDNS when it has no pods or no ready replica', () => {
    expect(diagnose({ service, pods: [], terminating: [], endpoints: [], errors: [] })).toMatch(/^CoreDNS has no pods/);
    expect(diagnose({ service, pods: [pod('coredns-a', '10.244.1.2', false)], terminating: [], endpoints: [], errors: [] })).toMatch(
      /^CoreDNS has no ready replica \(coredns-a Running\)/,
    );
  });
  it('finds nothing wrong with ready pods behind ready endpoints', () => {
    const state: CoreDnsState = {
      service,
      pods: [pod('a', '10.244.1.2', true)],
      endpoints: [{ address: '10.244.1.2', pod: 'a', node: 'node1', ready: true, terminating: false, ports: [] }],
      terminating: [],
      errors: [],
    };
    expect(diagnose(state)).toBeUndefined();
    expect(endpointProblems(state)).toEqual([]);
  });
  it('compares endpoints with ready pods', () => {
    const state: CoreDnsState = {
      service,
      pods: [pod('a', '10.244.1.2', true), pod('b', '10.244.1.3', true)],
      endpoints: [{ address: '10.244.1.2', pod: 'a', node: 'node1', ready: true, terminating: false, ports: [] }],
      terminating: [],
      errors: [],
    };
    expect(endpointProblems(state)).toEqual(['ready CoreDNS pod 10.244.1.3 is missing from the ready endpoints']);
  });
  it('leaves pods being deleted out of the replicas it judges, and names a Deployment whose pods are all leaving', () => {
    const leaving = { metadata: { name: 'coredns-old', namespace: 'kube-system', deletionTimestamp: new Date() }, spec: { nodeName: 'node1', containers: [] } };
    const rollout: CoreDnsState = {
      service,
      pods: [pod('a', '10.244.1.2', true)],
      terminating: [leaving],
      endpoints: [
        { address: '10.244.1.2', pod: 'a', node: 'node1', ready: true, terminating: false, ports: [] },
        { address: '10.244.1.9', pod: 'coredns-old', node: 'node1', ready: false, terminating: true, ports: [] },
      ],
      errors: [],
    };
    expect(diagnose(rollout)).toBeUndefined();
    expect(endpointProblems(rollout)).toEqual([]);
    expect(coreDnsEvidence(rollout).map((e) => e.label)).toContain('left out of per-replica checks: pods being deleted (a rollout or scale-down in progress)');
    expect(diagnose({ ...rollout, pods: [], endpoints: [] })).toMatch(/^CoreDNS has no pods but 1 being deleted/);
  });
});
