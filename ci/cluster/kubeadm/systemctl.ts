// `systemctl` on a kubeadm node of the local cluster: the part of systemd kubeadm talks to. It knows
// one unit, kubelet (started as kubeadm's drop-in starts it); every other unit does not exist.
// Usage (from the script kubeadm finds on its PATH): node systemctl.ts NODE_INDEX VERB [UNIT].
import { nodeLayout } from '../layout.ts';
import { kubeletRunning, restartKubelet, stopKubelet } from './node.ts';

async function main(argv: string[]): Promise<number> {
  const node = nodeLayout(Number(argv[0]));
  const [verb, unit] = argv.slice(1).filter((a) => !a.startsWith('-'));
  if (verb === 'daemon-reload') return 0;
  if (unit?.replace(/\.service$/, '') !== 'kubelet') {
    if (verb === 'status') process.stdout.write(`Unit ${unit ?? ''}.service could not be found.\n`);
    if (verb === 'is-active') process.stdout.write('inactive\n');
    return verb === 'is-active' ? 3 : 4;
  }
  switch (verb) {
    case 'start':
      if (!kubeletRunning(node, true)) await restartKubelet(node, true);
      return 0;
    case 'restart':
      await restartKubelet(node, true);
      return 0;
    case 'stop':
      await stopKubelet(node, true);
      return 0;
    case 'enable':
      return 0;
    case 'is-enabled':
      process.stdout.write('enabled\n');
      return 0;
    case 'is-active': {
      const active = kubeletRunning(node, true);
      process.stdout.write(active ? 'active\n' : 'inactive\n');
      return active ? 0 : 3;
    }
    case 'status':
      process.stdout.write(
        `● kubelet.service - kubelet on ${node.name}\n     Loaded: loaded\n     Active: ${kubeletRunning(node, true) ? 'active (running)' : 'inactive (dead)'}\n`,
      );
      return 0;
    default:
      process.stderr.write(`systemctl of the local cluster: ${verb ?? '(none)'} is not supported\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  },
);
