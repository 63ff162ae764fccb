// Proves the local cluster works, from the host and from pods: DNS (cluster and upstream names),
// ClusterIP with port != targetPort, NodePort, NetworkPolicy deny then allow, ingress-nginx
// rewrite-target with capture groups, Gateway API URLRewrite, PVC binding and persistence, the
// API server and kubelet certificates against the cluster CA, the metrics API through the
// aggregation layer, and cert-manager's CA ClusterIssuer issuing a certificate.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { connect } from 'node:tls';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRef } from './images.ts';
import { clusterIssuers } from './issuers.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { controlPlane, net, pkiDir, repoRoot } from './layout.ts';
import { METRICS_APISERVICE } from './metrics-server.ts';
import { upstreamZone } from './upstream-zone.ts';

const ns = `sdk-e2e-${randomBytes(3).toString('hex')}`;
const nodeImage = imageRef('node');
const caFile = `${pkiDir}/ca.crt`;

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

const echoServer = `require('http').createServer((q, s) => {
  s.setHeader('content-type', 'application/json');
  s.end(JSON.stringify({ pod: require('os').hostname(), path: q.url, host: q.headers.host }));
}).listen(8080);`;

function apply(obj: object): void {
  kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(obj));
}

function pod(
  name: string,
  labels: Record<string, string>,
  script: string,
  extra: Record<string, unknown> = {},
  volumes: object[] = [],
  mounts: object[] = [],
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      securityContext: restricted,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: nodeImage,
          imagePullPolicy: 'Never',
          command: ['node', '-e', script],
          securityContext: containerSecurity,
          volumeMounts: mounts,
          ...extra,
        },
      ],
      volumes,
    },
  };
}

/** Runs a script with node inside the client pod and returns what it printed. */
function inPod(script: string, podName = 'client'): string {
  return kubectl(['exec', '-n', ns, podName, '--', 'node', '-e', script]).trim();
}

/** From the client pod: the echo body of an HTTP GET, or the error code. */
function podFetch(url: string, timeoutMs = 2000): string {
  return inPod(`fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(${timeoutMs}) })
    .then((r) => r.text()).then((t) => console.log(t), (e) => console.log('ERR ' + (e.cause?.code ?? e.name)));`);
}

/** From the host: an HTTP GET with an optional Host header (fetch may not set Host, so node:http). */
function hostFetch(url: string, host?: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { headers: host ? { host } : {}, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

async function eventually<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function hostDns(name: string, type: 'A' | 'TXT', server: string): Promise<dnsPacket.Packet & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no DNS answer from ${server} for ${name}`));
    }, 3000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg));
    });
    sock.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), 53, server);
  });
}

const answers = (p: dnsPacket.Packet): string[] => (p.answers ?? []).map((a) => String((a as { data: unknown }).data));

function tlsAuthorized(port: number): Promise<{ authorized: boolean; error?: string; subject?: string }> {
  return new Promise((resolve) => {
    const sock = connect({ host: controlPlane.ip, port, ca: readFileSync(caFile), rejectUnauthorized: false, timeout: 3000 }, () => {
      const cert = sock.getPeerCertificate();
      resolve({
        authorized: sock.authorized,
        ...(sock.authorizationError ? { error: String(sock.authorizationError) } : {}),
        subject: String(cert.subject?.CN),
      });
      sock.end();
    });
    sock.on('error', (e) => resolve({ authorized: false, error: e.message }));
  });
}

let clusterIp = '';
let nodePort = 0;

beforeAll(() => {
  kubectl(['create', 'namespace', ns]);
  kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'app.kubernetes.io/managed-by=shakedown-ci']);
  apply(
    pod('echo', { app: 'echo' }, echoServer, {
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
    }),
  );
  apply(pod('client', { role: 'client' }, 'setInterval(() => {}, 1 << 30)'));
  apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo' },
    spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 8089, targetPort: 8080 }] },
  });
  apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo-np' },
    spec: { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 8090, targetPort: 'http' }] },
  });
  kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/echo', 'pod/client', '--timeout=120s']);
  clusterIp = kubectl(['get', '-n', ns, 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}']).trim();
  nodePort = Number(kubectl(['get', '-n', ns, 'svc', 'echo-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
}, 180_000);

afterAll(() => {
  tryKubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=120s']);
}, 180_000);

describe('Nodes', () => {
  it('every node is Ready, and every pod IP lies in the podCIDR of its node', () => {
    const nodes = JSON.parse(kubectl(['get', 'nodes', '-o', 'json'])) as {
      items: { metadata: { name: string }; spec: { podCIDR?: string }; status: { conditions: { type: string; status: string }[] } }[];
    };
    expect(nodes.items.length).toBeGreaterThan(0);
    const cidrOf = new Map(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR ?? '']));
    for (const n of nodes.items) expect(n.status.conditions.find((c) => c.type === 'Ready')?.status, n.metadata.name).toBe('True');
    const pods = JSON.parse(kubectl(['get', 'pods', '-A', '-o', 'json'])) as {
      items: { metadata: { name: string }; spec: { nodeName?: string; hostNetwork?: boolean }; status: { podIP?: string } }[];
    };
    const podNetwork = pods.items.filter((p) => p.status.podIP && !p.spec.hostNetwork);
    expect(podNetwork.length).toBeGreaterThan(0);
    for (const p of podNetwork) {
      const prefix = (cidrOf.get(p.spec.nodeName ?? '') ?? '').replace(/\.0\/24$/, '.');
      expect(
        p.status.podIP?.startsWith(prefix) && prefix !== '',
        `${p.metadata.name} ${p.status.podIP} on ${p.spec.nodeName} (${cidrOf.get(p.spec.nodeName ?? '')})`,
      ).toBe(true);
    }
  });
});

describe('DNS', () => {
  it('resolves cluster and upstream names from a pod, through its resolv.conf search path', () => {
    const out = JSON.parse(
      inPod(`const d = require('dns').promises;
      Promise.all([d.lookup('kubernetes.default'), d.lookup('kubernetes.default.svc.${net.clusterDomain}'), d.lookup('external.${upstreamZone}'),
        d.lookup('nope.${upstreamZone}').then(() => 'found', (e) => e.code)])
        .then((r) => console.log(JSON.stringify([r[0].address, r[1].address, r[2].address, r[3]])));`),
    ) as string[];
    expect(out).toEqual([net.kubernetesServiceIp, net.kubernetesServiceIp, net.upstreamIp, 'ENOTFOUND']);
  });

  it('answers the host at the kube-dns Service: cluster names, upstream names, NXDOMAIN', async () => {
    const kube = await hostDns(`kubernetes.default.svc.${net.clusterDomain}`, 'A', net.dnsServiceIp);
    expect(answers(kube)).toEqual([net.kubernetesServiceIp]);
    const ext = await hostDns(`external.${upstreamZone}`, 'A', net.dnsServiceIp);
    expect(answers(ext)).toEqual([net.upstreamIp]);
    const missing = await hostDns(`missing.${upstreamZone}`, 'A', net.dnsServiceIp);
    expect(missing.rcode).toBe('NXDOMAIN');
  });
});

describe('Services', () => {
  it('routes a ClusterIP Service port 8089 to targetPort 8080, from a pod and from the host', async () => {
    const fromPod = await eventually(
      'ClusterIP from a pod',
      () => podFetch(`http://echo.${ns}:8089/from-pod`),
      (o) => !o.startsWith('ERR'),
      30_000,
    );
    expect(JSON.parse(fromPod)).toMatchObject({ pod: 'echo', path: '/from-pod' });
    const r = await hostFetch(`http://${clusterIp}:8089/from-host`);
    expect(r).toMatchObject({ status: 200 });
    expect(JSON.parse((r as { body: string }).body)).toMatchObject({ pod: 'echo', path: '/from-host' });
  });

  it('refuses a connection to a Service without endpoints at once', () => {
    apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty' },
      spec: { selector: { app: 'nothing' }, ports: [{ port: 8089, targetPort: 8080 }] },
    });
    const started = Date.now();
    expect(podFetch(`http://empty.${ns}:8089/`, 5000)).toBe('ERR ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('routes a NodePort Service on the node address, from the host and from a pod', async () => {
    const r = await eventually(
      'NodePort from the host',
      () => hostFetch(`http://${controlPlane.ip}:${nodePort}/np`),
      (v) => 'status' in v,
      30_000,
    );
    expect(r).toMatchObject({ status: 200 });
    expect(JSON.parse((r as { body: string }).body)).toMatchObject({ pod: 'echo', path: '/np' });
    expect(JSON.parse(podFetch(`http://${controlPlane.ip}:${nodePort}/np-pod`))).toMatchObject({ pod: 'echo', path: '/np-pod' });
  });
});

describe('NetworkPolicy', () => {
  it('blocks with a default deny and re-opens with an allow rule', async () => {
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    await eventually(
      'echo reachable despite default-deny',
      () => podFetch(`http://echo.${ns}:8089/`, 1500),
      (o) => o.startsWith('ERR'),
      60_000,
    );
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-client' },
      spec: {
        podSelector: { matchLabels: { app: 'echo' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 8080 }] }],
      },
    });
    const opened = await eventually(
      'echo still blocked after allow rule',
      () => podFetch(`http://echo.${ns}:8089/allowed`, 1500),
      (o) => !o.startsWith('ERR'),
      60_000,
    );
    expect(JSON.parse(opened)).toMatchObject({ pod: 'echo', path: '/allowed' });
    kubectl(['delete', '-n', ns, 'networkpolicy', 'default-deny', 'allow-client']);
    await eventually(
      'echo blocked after the policies were deleted',
      () => podFetch(`http://echo.${ns}:8089/`, 1500),
      (o) => !o.startsWith('ERR'),
      60_000,
    );
  }, 180_000);
});

describe('NetworkPolicy enforcer switch (for the netpol suite\'s "not enforced" verdict)', () => {
  const enforcer = (state: 'on' | 'off'): void => {
    execFileSync(process.execPath, [join(repoRoot, 'ci', 'cluster', 'main.ts'), 'enforcer', state], { stdio: 'pipe' });
  };

  it('with the enforcer off a default deny blocks nothing; back on, it blocks again', async () => {
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-for-switch' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    try {
      await eventually(
        'default-deny not enforced',
        () => podFetch(`http://echo.${ns}:8089/`, 1500),
        (o) => o.startsWith('ERR'),
        60_000,
      );
      enforcer('off');
      await eventually(
        'still blocked with the enforcer off',
        () => podFetch(`http://echo.${ns}:8089/`, 1500),
        (o) => !o.startsWith('ERR'),
        30_000,
      );
    } finally {
      enforcer('on');
    }
    await eventually(
      'not blocked after the enforcer came back',
      () => podFetch(`http://echo.${ns}:8089/`, 1500),
      (o) => o.startsWith('ERR'),
      60_000,
    );
    kubectl(['delete', '-n', ns, 'networkpolicy', 'deny-for-switch']);
    await eventually(
      'blocked after the policy was deleted',
      () => podFetch(`http://echo.${ns}:8089/`, 1500),
      (o) => !o.startsWith('ERR'),
      60_000,
    );
  }, 240_000);
});

describe('Ingress and Gateway API', () => {
  it('rewrites the path with ingress-nginx rewrite-target and capture groups', async () => {
    const host = `rewrite.${ns}.test`;
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'rewrite', annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' } },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host,
            http: { paths: [{ path: '/app(/|$)(.*)', pathType: 'ImplementationSpecific', backend: { service: { name: 'echo', port: { number: 8089 } } } }] },
          },
        ],
      },
    });
    const r = await eventually(
      'ingress route',
      () => hostFetch(`http://${controlPlane.ip}/app/hello/world?x=1`, host),
      (v) => 'status' in v && v.status === 200,
      60_000,
    );
    expect(JSON.parse((r as { body: string }).body)).toMatchObject({ pod: 'echo', path: '/hello/world?x=1' });
  }, 90_000);

  it('rewrites the path with an HTTPRoute URLRewrite filter', async () => {
    const host = `gw.${ns}.test`;
    apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'rewrite' },
      spec: {
        parentRefs: [{ name: 'traefik', namespace: 'traefik' }],
        hostnames: [host],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/gw' } }],
            filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/rewritten' } } }],
            backendRefs: [{ name: 'echo', port: 8089 }],
          },
        ],
      },
    });
    const r = await eventually(
      'httproute',
      () => hostFetch(`http://${controlPlane.ip}/gw/abc`, host),
      (v) => 'status' in v && v.status === 200,
      60_000,
    );
    expect(JSON.parse((r as { body: string }).body)).toMatchObject({ pod: 'echo', path: '/rewritten/abc' });
  }, 90_000);
});

describe('Storage', () => {
  it('binds a PVC only once a pod uses it, and keeps its data when the pod is recreated', async () => {
    apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(kubectl(['get', '-n', ns, 'pvc', 'data', '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
    const proof = randomBytes(8).toString('hex');
    const vol = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    const mount = [{ name: 'data', mountPath: '/data' }];
    apply(pod('writer', {}, `require('fs').writeFileSync('/data/proof', '${proof}'); setInterval(() => {}, 1 << 30);`, {}, vol, mount));
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/writer', '--timeout=120s']);
    expect(kubectl(['get', '-n', ns, 'pvc', 'data', '-o', 'jsonpath={.status.phase}'])).toBe('Bound');
    kubectl(['delete', '-n', ns, 'pod', 'writer', '--wait=true']);
    apply(pod('reader', {}, 'setInterval(() => {}, 1 << 30);', {}, vol, mount));
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/reader', '--timeout=120s']);
    expect(inPod(`console.log(require('fs').readFileSync('/data/proof', 'utf8'))`, 'reader')).toBe(proof);
  }, 300_000);
});

describe('Certificates', () => {
  it('the API server and the kubelet serve certificates that verify against the cluster CA', async () => {
    expect(await tlsAuthorized(6443)).toMatchObject({ authorized: true, subject: 'kube-apiserver' });
    expect(await tlsAuthorized(10250)).toMatchObject({ authorized: true, subject: `system:node:${controlPlane.name}` });
  });
});

const condition = (kind: string, name: string, type: string): string =>
  kubectl(['get', kind, name, '-o', `jsonpath={.status.conditions[?(@.type=="${type}")].status}`]).trim();

describe('Metrics API through the aggregation layer', () => {
  it(`${METRICS_APISERVICE} is Available and serves every node's usage, read from kubelets verified against the cluster CA`, async () => {
    expect(condition('apiservice', METRICS_APISERVICE, 'Available')).toBe('True');
    const nodes = kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(' ').sort();
    const metrics = await eventually(
      'node metrics',
      () => {
        const out = tryKubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']);
        return out === null ? [] : (JSON.parse(out) as { items: { metadata: { name: string }; usage: { cpu: string; memory: string } }[] }).items;
      },
      (items) => items.length === nodes.length,
      60_000,
    );
    expect(metrics.map((m) => m.metadata.name).sort()).toEqual(nodes);
    for (const m of metrics) expect(m.usage, m.metadata.name).toEqual({ cpu: expect.stringMatching(/^\d+n?$/), memory: expect.stringMatching(/^\d+Ki$/) });
  }, 90_000);
});

describe('cert-manager', () => {
  it('has its self-signed and CA ClusterIssuers Ready, and the CA one issues a certificate that verifies against its CA', async () => {
    for (const name of Object.values(clusterIssuers)) expect(condition('clusterissuer', name, 'Ready'), name).toBe('True');
    const host = `cert.${ns}.test`;
    apply({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'from-ca' },
      spec: {
        secretName: 'from-ca',
        dnsNames: [host],
        duration: '24h',
        privateKey: { algorithm: 'ECDSA' },
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: clusterIssuers.ca },
      },
    });
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'certificate/from-ca', '--timeout=60s']);
    const data = JSON.parse(kubectl(['get', '-n', ns, 'secret', 'from-ca', '-o', 'jsonpath={.data}'])) as Record<string, string>;
    const pem = (key: string): string => Buffer.from(data[key] ?? '', 'base64').toString('utf8');
    const leaf = new X509Certificate(pem('tls.crt'));
    const ca = new X509Certificate(pem('ca.crt'));
    expect(leaf.checkHost(host)).toBe(host);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.subject).toContain('CN=shakedown-ca');
    expect(ca.ca).toBe(true);
  }, 90_000);
});
