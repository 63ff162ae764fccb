// The dns suite declares itself: read by the engine for list, help, preflight and RBAC.
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { integer, text } from '../../helpers/config-values.ts';

export default defineManifest({
  name: 'dns',
  description: 'CoreDNS: cluster names, search paths, records, upstream, truncation, load and health',
  checks: {
    replicasReady: {
      title: 'CoreDNS replicas are ready and behind the DNS Service',
      description: "every CoreDNS pod is Ready and the cluster DNS Service's endpoints are exactly the ready replicas",
    },
    corefile: {
      title: 'the Corefile serves the cluster domain, forwards and detects loops',
      description: 'the coredns ConfigMap, when readable, has the kubernetes plugin for the discovered cluster domain, a forward and loop detection',
    },
    searchPath: {
      title: 'Service names resolve through the search path',
      description:
        "short name, name.ns, name.ns.svc and the FQDN resolve to the ClusterIP through each pod's resolv.conf, asking the names its search path and ndots dictate, in order",
    },
    serversAnswer: {
      title: 'the DNS Service and every CoreDNS replica answer',
      description: 'kubernetes.default.svc.<domain> A, over UDP and TCP, asked directly at the DNS Service ClusterIP and at each CoreDNS pod, from every node',
    },
    srv: { title: 'SRV records for named ports', description: '_http._tcp and _echo._udp of a Service name its port and the Service FQDN' },
    headless: {
      title: 'a headless Service resolves to its ready pod IPs',
      description: 'A records of a headless Service are exactly the IPs of its ready pods; SRV names one record per pod',
    },
    hostname: {
      title: "a pod's hostname and subdomain resolve",
      description:
        'a pod with spec.hostname and spec.subdomain, under a headless Service of that name, resolves as hostname.subdomain.ns.svc.<domain> to its IP',
    },
    ptr: {
      title: 'PTR for a ClusterIP and for pod IPs',
      description:
        'the reverse of a ClusterIP names the Service; the reverse of each pod IP behind a headless Service, and 12 more, names the pod under it (the answer, too long for UDP, asked again over TCP as a resolver does)',
    },
    externalName: {
      title: 'an ExternalName Service answers with a CNAME',
      description: 'a Service of type ExternalName resolves to a CNAME of its externalName',
    },
    nxdomain: {
      title: 'a name that does not exist is NXDOMAIN, quickly',
      description: 'a missing cluster name answers NXDOMAIN within 500ms from every node, not SERVFAIL or a timeout',
    },
    upstream: {
      title: 'a name outside the cluster resolves through the upstream',
      description: "the configured external name (--dns-external-name) resolves from the pods, through CoreDNS's forward",
    },
    truncation: {
      title: 'a response too large for UDP is truncated, and complete over TCP',
      description:
        'a headless Service with 100 endpoints answers over UDP with TC set, over UDP with EDNS0 and over TCP with all 100 A records (above 1,400 bytes), while small answers arrive over both',
    },
    loadBurst: {
      title: 'load › a short burst of lookups: latency, errors and the 5 s race',
      description:
        'by default 500 queries (parallel A and AAAA as glibc sends them) from every probe pod; p50, p99 and the error rate judged, lookups near 5 s flagged',
      timeoutMs: 120_000,
    },
  },
  options: {
    externalName: option<string, undefined>({
      key: 'dnsExternalName',
      flag: 'dns-external-name',
      env: 'SHAKEDOWN_DNS_EXTERNAL_NAME',
      type: text,
      default: undefined,
      describe:
        'a name outside the cluster its DNS must resolve through the upstream, or "none" when the cluster has no upstream (default kubernetes.io; external.shakedown.test on the local cluster)',
    }),
    queries: option({
      key: 'dnsQueries',
      flag: 'dns-queries',
      env: 'SHAKEDOWN_DNS_QUERIES',
      type: integer(10, 5000),
      default: 500,
      describe: 'DNS load check: how many queries (A and AAAA pairs, as glibc sends them), spread over the probe pods',
    }),
  },
  permissions: [
    { verb: 'create', resource: 'services', scope: 'run', why: 'Services whose names, SRV, PTR and CNAME records are asked' },
    { verb: 'get', resource: 'services', scope: 'run', why: 'evidence on failures: the Service as the API server has it' },
    { verb: 'list', resource: 'events', scope: 'run', why: 'evidence on failures: the events of a Service' },
    {
      verb: 'create',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: 'run',
      why: 'a static headless Service with 100 endpoints, for truncation and large answers',
    },
    { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', scope: 'run', why: 'waiting for the endpoints of its Services' },
    { verb: 'create', resource: 'pods', scope: 'run', why: 'a pod with a hostname and subdomain' },
    { verb: 'get', resource: 'pods', scope: 'run', why: 'waiting for that pod and learning its IP' },
    { verb: 'get', resource: 'services', scope: { namespace: 'default' }, why: 'the ClusterIP of the kubernetes Service' },
    { verb: 'list', resource: 'services', scope: { namespace: 'kube-system' }, why: 'finding the cluster DNS Service' },
    { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'the CoreDNS replicas, each asked directly' },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: { namespace: 'kube-system' },
      why: 'the endpoints of the cluster DNS Service',
    },
    { verb: 'get', resource: 'configmaps', scope: { namespace: 'kube-system' }, why: 'the Corefile' },
  ],
  setup: ['fleet'],
  // Alone, after the other suites: its latency figures (the burst's p99, the 5 s race) measure the
  // cluster's DNS, not the load the other suites put on the same nodes at the same moment (with
  // every suite at once on a 2-core cluster, node2's p99 rose from ~100 ms to 1.3 s).
  exclusive: true,
  images: [],
});
