// shakedown never adopts what it did not make, on the real local cluster: a namespace that carries
// shakedown's labels and an expired expiry, but whose labels someone else set (kubectl label, or a
// copied manifest applied), is kept by `shakedown cleanup`, which says why; one shakedown created
// (its field manager recorded by the API server) is removed. And `deploy` into a namespace that
// exists already exits 2 and leaves it, and its labels, as they were.
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_ID_LABEL, runNamespace } from '../helpers/run/labels.ts';
import { createRunNamespace, namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { KUBECONFIG, shakedown, type Ran } from './cli-child.ts';
import { withSession } from './cluster-kit.ts';

function shown(ran: Ran): string {
  return `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;
}

const runId = newRunId();
const expired = new Date(Date.now() - 3_600_000);
const foreign = `${runId}-theirs`;
const ours = `${runId}-ours`;
const existing = `${runId}-existing`;

// Deleted with the admin's own credentials whatever shakedown decided.
afterAll(async () => {
  await withSession(async (session) => {
    for (const name of [foreign, ours, existing]) await session.clients.core.deleteNamespace({ name }).catch(() => undefined);
  });
});

describe('shakedown adopts nothing it did not make', () => {
  it("cleanup keeps a namespace labelled as shakedown's by someone else, says why, and removes the one it created", { timeout: 180_000 }, async () => {
    await withSession(async (session) => {
      // As `kubectl create -f copy.yaml` would: our labels and an expired expiry, another field manager.
      await session.clients.core.createNamespace({
        body: runNamespace({ name: foreign, runId, expiresAt: expired, purpose: 'a copy' }),
        fieldManager: 'kubectl-create',
      });
      await createRunNamespace(session.clients, runNamespace({ name: ours, runId, expiresAt: expired, purpose: 'a crashed run' }), undefined);
    });
    const ran = await shakedown(['cleanup', '--kubeconfig', KUBECONFIG, '--run', runId]);
    expect(ran.code, shown(ran)).toBe(0);
    expect(ran.stdout).toContain(
      `kept ${foreign}: carries shakedown's labels, but shakedown did not create it (its labels were set by kubectl-create): never deleted`,
    );
    expect(ran.stdout).toMatch(new RegExp(`deleted 1 namespace\\(s\\): ${ours}`));
    await withSession(async (session) => {
      const left = (await session.clients.core.listNamespace({ labelSelector: `${RUN_ID_LABEL}=${runId}` })).items;
      const theirs = left.find((namespace) => namespace.metadata?.name === foreign);
      expect(theirs?.metadata?.deletionTimestamp).toBeUndefined();
      expect(left.find((namespace) => namespace.metadata?.name === ours)?.metadata?.deletionTimestamp ?? 'gone').not.toBeUndefined();
      // The engine's own removal of a run refuses it the same way.
      expect((await removeRun(namespaceApi(session.clients), runId, { timeoutMs: 10_000 })).removed).not.toContain(foreign);
    });
  });

  it('deploy into a namespace that exists exits 2 and leaves it and its labels as they were', { timeout: 120_000 }, async () => {
    const labels = { team: 'payments' };
    await withSession((session) => session.clients.core.createNamespace({ body: { metadata: { name: existing, labels } } }));
    const ran = await shakedown(['deploy', '--apply', '--suite', 'smoke', '--kubeconfig', KUBECONFIG, '--namespace', existing]);
    expect(ran.code, shown(ran)).toBe(2);
    expect(ran.stderr).toMatch(new RegExp(`^error SD_SETUP_FAILED: Namespace ${existing} already exists: deploy makes its own$`, 'm'));
    await withSession(async (session) => {
      const namespace = await session.clients.core.readNamespace({ name: existing });
      expect(namespace.metadata?.labels).toEqual({ ...labels, 'kubernetes.io/metadata.name': existing });
      expect(namespace.metadata?.annotations ?? {}).toEqual({});
      // Nothing else of that deploy was made: no ServiceAccount there, no role or policy for it.
      expect((await session.clients.core.listNamespacedServiceAccount({ namespace: existing })).items.map((sa) => sa.metadata?.name)).not.toContain(
        'shakedown',
      );
      expect(
        (await session.clients.rbac.listClusterRole({ labelSelector: 'app.kubernetes.io/managed-by=shakedown' })).items.map((role) => role.metadata?.name),
      ).not.toContain(`shakedown-${existing}`);
    });
  });
});
