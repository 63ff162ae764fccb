// The control plane on node 1: etcd (Debian's), kube-apiserver, kube-controller-manager and
// kube-scheduler built from Kubernetes' Go modules, all inside node 1's namespaces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { binary } from './build.ts';
import { type DaemonSpec, startDaemon, waitFor } from './daemons.ts';
import { apiServerUrl, controlPlane, net, pkiDir, stateDir } from './layout.ts';
import type { Pki } from './pki.ts';
import { tryRun } from './sh.ts';

const ns = { netns: controlPlane.netnsPath, mntns: controlPlane.mntns };

export async function startEtcd(): Promise<void> {
  const d: DaemonSpec = {
    name: 'etcd',
    cmd: 'etcd',
    args: [
      '--name=node1',
      `--data-dir=${join(stateDir, 'etcd')}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=node1=http://127.0.0.1:2380',
      '--log-level=warn',
    ],
    ...ns,
    hint: 'etcd comes from Debian (apt-get install etcd-server)',
  };
  const pid = startDaemon(d);
  await waitFor(
    d,
    pid,
    () => (tryRun('busybox', ['wget', '-q', '-O-', 'http://127.0.0.1:2379/health'], { netns: controlPlane.netnsPath }) ?? '').includes('true'),
    30_000,
  );
}

/** GET on the API server with the admin client certificate; resolves with the status code. */
export function apiGet(path: string, pki: Pki): Promise<number> {
  const agent = new Agent({ ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) });
  return new Promise((resolve) => {
    const req = request(`${apiServerUrl}${path}`, { agent, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startApiServer(pki: Pki): Promise<void> {
  const d: DaemonSpec = {
    name: 'kube-apiserver',
    cmd: binary('kube-apiserver'),
    args: [
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${controlPlane.ip}`,
      '--bind-address=0.0.0.0',
      '--secure-port=6443',
      `--service-cluster-ip-range=${net.serviceCidr}`,
      `--service-node-port-range=${net.nodePortRange}`,
      `--client-ca-file=${pki.ca.cert}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
      `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-account-issuer=https://kubernetes.default.svc.${net.clusterDomain}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      '--profiling=false',
    ],
    ...ns,
    hint: 'the API server log names the flag or certificate it rejected; etcd must be healthy first',
  };
  const pid = startDaemon(d);
  await waitFor(d, pid, async () => (await apiGet('/readyz', pki)) === 200, 90_000);
}

export async function startControllerManager(pki: Pick<Pki, 'ca' | 'saKey'>): Promise<void> {
  const kc = join(pkiDir, 'controller-manager.kubeconfig');
  const d: DaemonSpec = {
    name: 'kube-controller-manager',
    cmd: binary('kube-controller-manager'),
    args: [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      '--bind-address=127.0.0.1',
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--service-account-private-key-file=${pki.saKey}`,
      '--use-service-account-credentials=true',
      `--service-cluster-ip-range=${net.serviceCidr}`,
      '--configure-cloud-routes=false',
      '--controllers=*,bootstrapsigner,tokencleaner',
      // Leader election on, as kubeadm runs it: its Lease is the heartbeat diagnosis reads.
      '--leader-elect=true',
    ],
    ...ns,
    hint: 'kube-controller-manager runs every controller; its log says what it could not do',
  };
  const pid = startDaemon(d);
  await waitFor(
    d,
    pid,
    () =>
      (tryRun('busybox', ['wget', '-q', '-O-', '--no-check-certificate', 'https://127.0.0.1:10257/healthz'], { netns: controlPlane.netnsPath }) ?? '') === 'ok',
    60_000,
  );
}

export async function startScheduler(): Promise<void> {
  const kc = join(pkiDir, 'scheduler.kubeconfig');
  const d: DaemonSpec = {
    name: 'kube-scheduler',
    cmd: binary('kube-scheduler'),
    args: [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`, '--bind-address=127.0.0.1', '--leader-elect=true'],
    ...ns,
    hint: 'the scheduler log says why it cannot reach the API server',
  };
  const pid = startDaemon(d);
  await waitFor(
    d,
    pid,
    () =>
      (tryRun('busybox', ['wget', '-q', '-O-', '--no-check-certificate', 'https://127.0.0.1:10259/healthz'], { netns: controlPlane.netnsPath }) ?? '') === 'ok',
    60_000,
  );
}
