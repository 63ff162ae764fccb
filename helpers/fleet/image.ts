// The image that runs the probe agent: a stock Node.js image, pinned; on the local cluster, the
// Node image it builds and preloads (never pulled). --probe-image overrides both.

// The Node.js version this repository pins (package.json devDependency "node").
export const PINNED_NODE_VERSION = '24.21.0';
export const DEFAULT_PROBE_IMAGE = `docker.io/library/node:${PINNED_NODE_VERSION}-alpine`;
export const LOCAL_CLUSTER_CONTEXT = 'shakedown-local';

export interface ImageChoice {
  image: string;
  pullPolicy: 'IfNotPresent' | 'Never';
  why: string;
}

export function chooseProbeImage(configured: string | undefined, context: string, localNodeVersion: string = process.versions.node): ImageChoice {
  if (configured !== undefined) return { image: configured, pullPolicy: pullPolicyFor(configured), why: 'configured' };
  if (context === LOCAL_CLUSTER_CONTEXT) {
    const image = `localhost/shakedown/node:${localNodeVersion}`;
    return { image, pullPolicy: 'Never', why: `the local cluster's preloaded Node image (context ${LOCAL_CLUSTER_CONTEXT})` };
  }
  return { image: DEFAULT_PROBE_IMAGE, pullPolicy: 'IfNotPresent', why: 'default' };
}

// Images under localhost/ exist only where they were preloaded; pulling them cannot work.
export function pullPolicyFor(image: string): 'IfNotPresent' | 'Never' {
  return image.startsWith('localhost/') ? 'Never' : 'IfNotPresent';
}
