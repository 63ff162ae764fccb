// npm run cluster:up | cluster:down | cluster:status
import { parseArgs } from 'node:util';
import { down } from './down.ts';
import { ClusterError, formatClusterError } from './errors.ts';
import { parseEnforcerState, setEnforcer } from './enforcer.ts';
import { hang, parseComponent, restart, resume } from './fault.ts';
import { kubectl } from './kube.ts';
import { log } from './log.ts';
import { parseClusterProfile, parseCni } from './profile.ts';
import { KUBE_PROXY_MODES, type KubeProxyMode } from './kubeadm/config.ts';
import { upgrade } from './kubeadm/upgrade.ts';
import { printLogTails, status } from './status.ts';
import { up } from './up.ts';

const usage =
  'usage: node ci/cluster/main.ts up [--nodes N] [--cert-days N] [--cni default|flannel] [--profile default|kubeadm [--kube-proxy-mode iptables|nftables]]\n' +
  '       | upgrade --to VERSION   (the kubeadm profile: kubeadm upgrade plan, apply, node, then each kubelet)\n' +
  '       | down | status | logs | kubectl ARGS...\n' +
  '       | enforcer on|off [--node NAME]   (kube-router and its rules, on every node or on NAME alone)\n' +
  '       | fault hang COMPONENT [--node NAME] | fault resume | fault restart kube-scheduler|kube-controller-manager\n' +
  '         (COMPONENT: kube-scheduler, kube-controller-manager, etcd, kubelet, kube-proxy; per-node ones default to the last node)';

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'kubectl') {
    // kubectl built with the cluster, pointed at its kubeconfig; the arguments pass through.
    process.stdout.write(kubectl(argv.slice(1)));
    return 0;
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nodes: { type: 'string', default: '1' },
      'cert-days': { type: 'string', default: '365' },
      node: { type: 'string' },
      cni: { type: 'string', default: 'default' },
      profile: { type: 'string', default: 'default' },
      'kube-proxy-mode': { type: 'string', default: 'iptables' },
      to: { type: 'string' },
    },
  });
  const nodes = Number(values.nodes);
  const certDays = Number(values['cert-days']);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`--nodes must be an integer from 1 to 9 (got ${values.nodes})\n${usage}`);
  if (!Number.isInteger(certDays) || certDays < 1) throw new Error(`--cert-days must be a positive integer (got ${values['cert-days']})\n${usage}`);
  const cni = parseCni(values.cni);
  const profile = parseClusterProfile(values.profile);
  const kubeProxyMode = KUBE_PROXY_MODES.find((m) => m === values['kube-proxy-mode']);
  if (kubeProxyMode === undefined) throw new Error(`--kube-proxy-mode takes ${KUBE_PROXY_MODES.join(' or ')} (got ${values['kube-proxy-mode']})\n${usage}`);
  if (kubeProxyMode !== 'iptables' && profile !== 'kubeadm')
    throw new Error(`--kube-proxy-mode is an option of the kubeadm profile (--profile kubeadm)\n${usage}`);
  switch (positionals[0]) {
    case 'up':
      await up({
        nodes,
        certDays,
        ...(cni === 'flannel' ? { cni } : {}),
        ...(profile === 'kubeadm' ? { profile, kubeProxyMode: kubeProxyMode as KubeProxyMode } : {}),
      });
      return 0;
    case 'upgrade':
      if (values.to === undefined) throw new Error(`upgrade needs --to VERSION\n${usage}`);
      await upgrade(values.to.replace(/^v/, ''));
      return 0;
    case 'down': {
      const started = Date.now();
      const problems = await down();
      if (problems.length) throw new ClusterError('CLUSTER_LEFTOVERS', `could not remove: ${problems.join(', ')}`);
      log.done(`cluster removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'status':
      return status() ? 0 : 1;
    case 'logs':
      printLogTails(40);
      return 0;
    case 'enforcer':
      await setEnforcer(parseEnforcerState(positionals[1], usage), values.node);
      return 0;
    case 'fault':
      if (positionals[1] === 'hang') hang(parseComponent(positionals[2]), values.node);
      else if (positionals[1] === 'resume') await resume();
      else if (positionals[1] === 'restart') await restart(parseComponent(positionals[2]));
      else throw new Error(`fault takes hang, resume or restart\n${usage}`);
      return 0;
    default:
      throw new Error(usage);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(formatClusterError(err));
    if (err instanceof ClusterError && err.code !== 'CLUSTER_LEFTOVERS')
      console.error('the cluster was left as it is for inspection; `npm run cluster:down` removes it');
    process.exitCode = 1;
  },
);
