// --image-pull-secret [NAMESPACE/]NAME: the Secret is copied into the run namespace (pull secrets
// do not reach namespaces created later, a classic air-gap failure) and named by every probe pod.
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { statusMessage } from '../kube/api-errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../run/labels.ts';

export interface SecretRef {
  namespace: string;
  name: string;
}

export function parseSecretRef(text: string): SecretRef {
  const [first, second, ...rest] = text.split('/');
  if (rest.length > 0 || first === undefined || first === '' || second === '') throw new Error(`"${text}" is not NAME or NAMESPACE/NAME`);
  return second === undefined ? { namespace: 'default', name: first } : { namespace: first, name: second };
}

export function copiedSecret(source: V1Secret, namespace: string, runId: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: source.metadata?.name ?? '', namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId } },
    type: source.type ?? 'kubernetes.io/dockerconfigjson',
    data: source.data ?? {},
  };
}

export async function copyPullSecret(core: CoreV1Api, ref: SecretRef, namespace: string, runId: string): Promise<string> {
  let source: V1Secret;
  try {
    source = await core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name });
  } catch (error) {
    const detail = error instanceof Error && 'code' in error ? (statusMessage(error as never) ?? error.message) : String(error);
    throw new ShakedownError('SD_SETUP_FAILED', `cannot read the image pull secret ${ref.namespace}/${ref.name}: ${detail}`, {
      cause: error,
      hint: 'Name an existing Secret of type kubernetes.io/dockerconfigjson as NAMESPACE/NAME (the namespace defaults to "default").',
    });
  }
  await core.createNamespacedSecret({ namespace, body: copiedSecret(source, namespace, runId) });
  return ref.name;
}
