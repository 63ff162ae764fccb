// The network suite declares itself: read by the engine for list, help, preflight and RBAC.
// The pod network itself: every node pair both ways with small and large payloads (MTU), pod to
// node addresses, the runner to pods. The CNI configuration checks live in config/.
import { defineManifest } from '../../helpers/engine/manifest.ts';

export default defineManifest({
  name: 'network',
  description: 'The pod network: every node pair both ways with small and large payloads (MTU), pod to node, runner to pod',
  checks: [
    {
      title: 'every node pair, both ways, small and large payloads',
      description: 'a probe pod on each node reaches the probe pod on every other node (and its own) over TCP and UDP, with small payloads and with large ones (a TCP answer of several MTUs, a UDP datagram of MTU - 28 bytes)',
    },
  ],
  options: {},
  permissions: [],
  setup: ['fleet'],
  exclusive: false,
  images: [],
});
