import { describe, expect, it } from 'vitest';
import type { KubeClients } from '../kube/clients.ts';
import { rejection } from '../testing/shakedown-error.ts';
import { bindRunRole, runRoleBinding, runSubject, serviceAccountOf } from './run-grant.ts';

const grant = { role: 'shakedown-ns-run', subject: { namespace: 'sd-20261207-aaaaaa-deploy', name: 'shakedown' } };

// The RBAC and authorization clients as the API server answers them: the binding is created, and the
// authorizer applies it after `effectiveAfter` reviews.
function fakeClients(effectiveAfter: number) {
  const bindings: unknown[] = [];
  let reviews = 0;
  const clients = {
    rbac: { createNamespacedRoleBinding: async (request: { namespace: string; body: unknown; fieldManager?: string }) => void bindings.push(request) },
    authz: { createSelfSubjectAccessReview: async () => ({ status: { allowed: ++reviews > effectiveAfter, reason: '' } }) },
  } as unknown as Pick<KubeClients, 'rbac' | 'authz'>;
  return { clients, bindings, reviews: () => reviews };
}

describe('the run grant', () => {
  it('binds the run role to the run ServiceAccount only, labelled with the run', () => {
    expect(runRoleBinding('sd-20261207-bbbbbb-x', 'sd-20261207-bbbbbb', grant)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'shakedown-run',
        namespace: 'sd-20261207-bbbbbb-x',
        labels: { 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': 'sd-20261207-bbbbbb' },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'shakedown-ns-run' },
      subjects: [{ kind: 'ServiceAccount', name: 'shakedown', namespace: 'sd-20261207-aaaaaa-deploy' }],
    });
  });

  it('returns once the authorizer applies the binding, not before', async () => {
    const fake = fakeClients(3);
    let slept = 0;
    await bindRunRole(fake.clients, 'sd-x', 'sd-1', grant, { sleep: async () => void slept++ });
    expect(fake.bindings).toEqual([expect.objectContaining({ namespace: 'sd-x', fieldManager: 'shakedown' })]);
    expect(fake.reviews()).toBe(4);
    expect(slept).toBe(3);
  });

  it('names the binding, the role and the account when the authorizer never applies it', async () => {
    const fake = fakeClients(Number.POSITIVE_INFINITY);
    let clock = 0;
    const error = await rejection(
      bindRunRole(fake.clients, 'sd-x', 'sd-1', grant, { sleep: async (ms) => void (clock += ms), now: () => clock, effectiveWithinMs: 1000 }),
    );
    expect(error.message).toMatch(
      /^the RoleBinding sd-x\/shakedown-run of ClusterRole shakedown-ns-run was created, but the API server still denies sd-20261207-aaaaaa-deploy\/shakedown in sd-x after 1 s/,
    );
  });

  it('learns its ServiceAccount from the API server, and refuses any other user', async () => {
    expect(serviceAccountOf('system:serviceaccount:ns:sa')).toEqual({ namespace: 'ns', name: 'sa' });
    expect(serviceAccountOf('kubernetes-admin')).toBeUndefined();
    const answer = (username: string) => ({ send: async () => ({ status: 201, headers: {}, text: JSON.stringify({ status: { userInfo: { username } } }) }) });
    expect(await runSubject(answer('system:serviceaccount:a:b'))).toEqual({ namespace: 'a', name: 'b' });
    expect(await rejection(runSubject(answer('kubernetes-admin')))).toMatchObject({ code: 'SD_BAD_FLAG' });
  });
});
