import { loadAllYaml } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from './render.ts';
import { certManagerCrds, clusterIssuers, issuersManifest } from './issuers.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  webhooks?: { failurePolicy: string; clientConfig: { service: { name: string; namespace: string } } }[];
}

const certManager = loadAllYaml(
  render(readFileSync(join(import.meta.dirname, 'manifests', 'cert-manager.yaml'), 'utf8'), { IMAGE_CERT_MANAGER: 'localhost/shakedown/cert-manager:v9.9.9' }),
) as Obj[];
const issuers = loadAllYaml(issuersManifest()) as Obj[];
const config = (key: string): Record<string, unknown> => {
  const cm = certManager.find((d) => d.kind === 'ConfigMap');
  return loadAllYaml(cm?.data?.[key] ?? '')[0] as Record<string, unknown>;
};

interface Pod {
  securityContext: Record<string, unknown>;
  containers: { image: string; args: string[]; securityContext: Record<string, unknown> }[];
}
const deployments = certManager.filter((d) => d.kind === 'Deployment');

describe('cert-manager manifest', () => {
  it('runs controller, webhook and cainjector from the one image made here, each from its configuration file', () => {
    const args = deployments.map((d) => {
      const [c] = (d.spec as { template: { spec: Pod } }).template.spec.containers;
      expect(c?.image, d.metadata.name).toBe('localhost/shakedown/cert-manager:v9.9.9');
      return c?.args;
    });
    expect(args).toEqual([
      ['controller', '--config=/var/cert-manager/config/controller.yaml'],
      ['webhook', '--config=/var/cert-manager/config/webhook.yaml'],
      ['cainjector', '--config=/var/cert-manager/config/cainjector.yaml'],
    ]);
    expect(config('controller.yaml')).toMatchObject({ kind: 'ControllerConfiguration', clusterResourceNamespace: 'cert-manager' });
    expect(config('webhook.yaml')).toMatchObject({
      kind: 'WebhookConfiguration',
      securePort: 10250,
      tlsConfig: { dynamic: { secretNamespace: 'cert-manager', secretName: 'cert-manager-webhook-ca' } },
    });
    expect(config('cainjector.yaml')).toMatchObject({ kind: 'CAInjectorConfiguration' });
  });

  it('lives in its own namespace under the restricted Pod Security level, every pod non-root', () => {
    const ns = certManager.find((d) => d.kind === 'Namespace');
    expect(ns?.metadata).toMatchObject({ name: 'cert-manager', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    for (const d of deployments) {
      const pod = (d.spec as { template: { spec: Pod } }).template.spec;
      expect(pod.securityContext, d.metadata.name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers[0]?.securityContext, d.metadata.name).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(d.metadata.namespace).toBe('cert-manager');
    }
  });

  it("has the webhook's serving CA injected from the Secret the webhook keeps it in", () => {
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      const w = certManager.find((d) => d.kind === kind);
      expect(w?.metadata.annotations?.['cert-manager.io/inject-ca-from-secret'], kind).toBe('cert-manager/cert-manager-webhook-ca');
      expect(w?.webhooks?.[0]?.clientConfig.service, kind).toEqual(expect.objectContaining({ name: 'cert-manager-webhook', namespace: 'cert-manager' }));
    }
  });
});

describe("the cluster's issuers", () => {
  it('a selfSigned ClusterIssuer issues the CA Certificate whose Secret the ca ClusterIssuer signs with', () => {
    const selfSigned = issuers.find((d) => d.kind === 'ClusterIssuer' && d.metadata.name === clusterIssuers.selfSigned);
    const ca = issuers.find((d) => d.kind === 'ClusterIssuer' && d.metadata.name === clusterIssuers.ca);
    const cert = issuers.find((d) => d.kind === 'Certificate');
    expect(selfSigned?.spec).toEqual({ selfSigned: {} });
    expect(cert?.spec).toMatchObject({ isCA: true, issuerRef: { kind: 'ClusterIssuer', name: clusterIssuers.selfSigned } });
    expect(ca?.spec).toEqual({ ca: { secretName: (cert?.spec as { secretName: string }).secretName } });
    // A ClusterIssuer finds its Secret in the controller's cluster resource namespace.
    expect(cert?.metadata.namespace).toBe(config('controller.yaml').clusterResourceNamespace);
  });
});

describe('cert-manager CRDs', () => {
  it("are the module's files, in name order, one document each", () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    try {
      writeFileSync(join(dir, 'b.yaml'), '---\nkind: CustomResourceDefinition\nmetadata: {name: b}\n');
      writeFileSync(join(dir, 'a.yaml'), 'kind: CustomResourceDefinition\nmetadata: {name: a}\n');
      writeFileSync(join(dir, 'README.md'), 'not a CRD');
      expect((loadAllYaml(certManagerCrds(dir)) as Obj[]).map((d) => d.metadata.name)).toEqual(['a', 'b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
