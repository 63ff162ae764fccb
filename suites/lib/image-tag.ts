// What version a component runs when only its image says it: the control-plane suite's versions
// evidence and the gate's skew check read the tag of the control-plane pods' images.

// The image tag of a container image reference ("registry/kube-apiserver:v1.34.4@sha256:..." -> v1.34.4).
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(colon + 1) : undefined;
}
