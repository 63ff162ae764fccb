// The certificates suite declares itself: read by the engine for list, help, preflight and RBAC.
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { duration, integer, nameList } from '../../helpers/config-values.ts';

export default defineManifest({
  name: 'certificates',
  description:
    "Every certificate the cluster serves, dialed live and verified against the CA that should trust it; expiry gate and clock skew; cert-manager's objects, webhook and an issuance end to end",
  checks: {
    apiServer: {
      title: 'the API server serves a certificate its clients trust',
      description:
        "the kubeconfig's server from the runner (against the kubeconfig CA) and the kubernetes Service and each of its endpoints from an agent (against kube-root-ca.crt): chain verified, SANs cover the kubeconfig host, the Service IP and kubernetes.default.svc.<domain>, days left above the thresholds",
    },
    kubelets: {
      title: 'every kubelet serves a certificate for its node',
      description:
        "each node's InternalIP and kubelet port, dialed from the agent on that node: CA-signed or self-signed, issuer, SANs cover the node's addresses, days left; kubelet-serving CSRs Pending for more than five minutes are listed",
    },
    webhooksAndApiServices: {
      title: 'webhooks and API services serve what their caBundle trusts',
      description:
        'every admission webhook, aggregated APIService and CRD conversion webhook, dialed from an agent with the SNI the API server sends and verified against its caBundle; an empty caBundle, insecureSkipTLSVerify, a CA expiring before its leaf and failurePolicy Fail with no ready endpoints are named; with --certs-secrets, a TLS Secret holding a newer certificate for the name than the one served (renewed but not reloaded)',
    },
    etcd: {
      title: 'etcd serves a certificate for its node (kubeadm)',
      description:
        "where kubeadm-config exists and etcd is a static pod: each member's advertised client URL dialed from the agent on its node (the handshake presents etcd's certificate before it asks for a client one): days left, the address covered, not self-signed; kubeadm's etcd CA is not visible, so no chain is verified; the evidence says what the run cannot see (kubeconfig client certificates, peer and client certificates under /etc/kubernetes/pki) and how to check it (kubeadm certs check-expiration on each control-plane node); skipped with the reason when not kubeadm or etcd does not answer",
    },
    kubeletClientRotation: {
      title: 'kubelet client certificates rotate (kubeadm)',
      description:
        'where kubeadm-config exists: rotateCertificates in kube-system/kubelet-config, and the recent kube-apiserver-client-kubelet CSRs by node (a request Pending over five minutes, denied or failed warns)',
    },
    clocks: {
      title: 'node clocks agree',
      description:
        "every agent's clock against the runner's, timed on both sides: nodes that differ by more than --cert-max-clock-skew fail (certificates look not yet valid there), the runner off by more warns",
    },
    caBundlesAtRest: {
      title: 'CA bundles at rest',
      description:
        'kube-root-ca.crt and the client and front-proxy CAs in kube-system/extension-apiserver-authentication parse and have days left above the thresholds',
    },
    tlsSecretsAtRest: {
      title: 'TLS Secrets at rest',
      description:
        'with --certs-secrets all or NAMESPACE..., every kubernetes.io/tls Secret there: its certificate parses and has days left above the thresholds (opt-in: listing Secrets is a sensitive permission)',
    },
    certManagerCertificates: {
      title: 'cert-manager Certificates are ready and renewed',
      description:
        "when cert-manager is installed: every Certificate is Ready (a failure names its Issuer and the Issuer's reason), its renewal is not overdue, days left above the thresholds; CertificateRequests denied or failed in the last day are named",
    },
    certManagerIssuers: {
      title: 'cert-manager Issuers and ClusterIssuers are ready',
      description:
        'every Issuer and ClusterIssuer is Ready; one that is not is named with its type, its reason and what is likely wrong (a missing CA Secret, an ACME account)',
    },
    certManagerWebhook: {
      title: "cert-manager's webhook answers the API server",
      description: "a server-side dry run of a Certificate in the run namespace: the API server calls cert-manager's validating webhook, nothing is created",
    },
    certManagerIssuance: {
      title: 'cert-manager issues a certificate end to end',
      description:
        "a selfSigned Issuer and a one-hour Certificate of the run's own become Ready, time measured, and the issued Secret holds the name asked for",
      timeoutMs: 120_000,
    },
  },
  options: {
    warnDays: option({
      key: 'certWarnDays',
      flag: 'cert-warn-days',
      env: 'SHAKEDOWN_CERT_WARN_DAYS',
      type: integer(0, 3650),
      default: 30,
      describe: 'a certificate with fewer days left than this is a warning',
    }),
    failDays: option({
      key: 'certFailDays',
      flag: 'cert-fail-days',
      env: 'SHAKEDOWN_CERT_FAIL_DAYS',
      type: integer(0, 3650),
      default: 7,
      describe: 'a certificate with fewer days left than this fails the run (the pre-upgrade gate)',
    }),
    maxClockSkew: option({
      key: 'certMaxClockSkew',
      flag: 'cert-max-clock-skew',
      env: 'SHAKEDOWN_CERT_MAX_CLOCK_SKEW',
      type: duration(100, 3_600_000),
      default: 5000,
      describe: 'how far node clocks may differ (from each other, and from the runner for a warning)',
    }),
    secrets: option<string[], undefined>({
      key: 'certsSecrets',
      flag: 'certs-secrets',
      env: 'SHAKEDOWN_CERTS_SECRETS',
      type: nameList,
      default: undefined,
      describe:
        'read kubernetes.io/tls Secrets in these namespaces ("all" for every namespace), and compare them with what webhooks there serve; needs list secrets there, which the run does not ask for otherwise',
    }),
  },
  permissions: [
    { verb: 'get', resource: 'configmaps', scope: 'run', why: 'kube-root-ca.crt: the cluster CA as pods see it' },
    {
      verb: 'get',
      resource: 'configmaps',
      scope: { namespace: 'kube-system' },
      why: 'extension-apiserver-authentication: the client and front-proxy CAs; kubeadm-config and kubelet-config (kubeadm)',
    },
    { verb: 'get', resource: 'services', scope: { namespace: 'default' }, why: 'the kubernetes Service: the address pods dial' },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: { namespace: 'default' },
      why: 'the API server endpoints behind the kubernetes Service',
    },
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'the kubelet address and port of every node' },
    {
      verb: 'list',
      resource: 'pods',
      scope: { namespace: 'kube-system' },
      why: 'the etcd mirror pods and the client URL kubeadm records on them (kubeadm)',
    },
    {
      verb: 'list',
      resource: 'certificatesigningrequests',
      group: 'certificates.k8s.io',
      scope: 'cluster',
      why: 'kubelet-serving CSRs left Pending, and kubelet client certificate renewals',
    },
    {
      verb: 'list',
      resource: 'validatingwebhookconfigurations',
      group: 'admissionregistration.k8s.io',
      scope: 'cluster',
      why: 'the admission webhooks to dial and their caBundles',
    },
    {
      verb: 'list',
      resource: 'mutatingwebhookconfigurations',
      group: 'admissionregistration.k8s.io',
      scope: 'cluster',
      why: 'the admission webhooks to dial and their caBundles',
    },
    { verb: 'list', resource: 'apiservices', group: 'apiregistration.k8s.io', scope: 'cluster', why: 'the aggregated APIs to dial and their caBundles' },
    {
      verb: 'list',
      resource: 'customresourcedefinitions',
      group: 'apiextensions.k8s.io',
      scope: 'cluster',
      why: 'CRD conversion webhooks to dial and their caBundles',
    },
    { verb: 'get', resource: 'services', scope: 'cluster', why: 'the Service behind each webhook and APIService' },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: 'cluster',
      why: 'whether the Service behind each webhook has ready endpoints',
    },
    { verb: 'list', resource: 'certificates', group: 'cert-manager.io', scope: 'cluster', why: 'cert-manager Certificates, when cert-manager is installed' },
    { verb: 'list', resource: 'issuers', group: 'cert-manager.io', scope: 'cluster', why: 'cert-manager Issuers and whether they are Ready' },
    { verb: 'list', resource: 'clusterissuers', group: 'cert-manager.io', scope: 'cluster', why: 'cert-manager ClusterIssuers and whether they are Ready' },
    { verb: 'list', resource: 'certificaterequests', group: 'cert-manager.io', scope: 'cluster', why: 'CertificateRequests denied or failed in the last day' },
    {
      verb: 'create',
      resource: 'certificates',
      group: 'cert-manager.io',
      scope: 'run',
      why: "a Certificate of the run's own (and a server-side dry run of one, for the webhook)",
    },
    { verb: 'get', resource: 'certificates', group: 'cert-manager.io', scope: 'run', why: "whether the run's Certificate became Ready" },
    { verb: 'create', resource: 'issuers', group: 'cert-manager.io', scope: 'run', why: "a selfSigned Issuer of the run's own" },
    { verb: 'get', resource: 'secrets', scope: 'run', why: "the Secret cert-manager issued for the run's Certificate" },
  ],
  setup: ['fleet'],
  exclusive: false,
  images: [],
});
