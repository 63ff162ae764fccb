import { describe, expect, it } from 'vitest';
import { copiedSecret, parseSecretRef } from './pull-secret.ts';

describe('image pull secret', () => {
  it('is named NAME (in default) or NAMESPACE/NAME', () => {
    expect(parseSecretRef('regcred')).toEqual({ namespace: 'default', name: 'regcred' });
    expect(parseSecretRef('infra/regcred')).toEqual({ namespace: 'infra', name: 'regcred' });
    expect(() => parseSecretRef('a/b/c')).toThrow('"a/b/c" is not NAME or NAMESPACE/NAME');
    expect(() => parseSecretRef('infra/')).toThrow();
  });

  it('is copied into the run namespace with its type and data, labelled as ours', () => {
    const copy = copiedSecret(
      {
        metadata: { name: 'regcred', namespace: 'infra', uid: 'x', resourceVersion: '9', labels: { team: 'a' } },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': 'e30=' },
      },
      'sd-1',
      'sd-1',
    );
    expect(copy).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'sd-1', labels: { 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': 'sd-1' } },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    });
  });
});
