import type { V1StorageClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { pendingCause, type PendingFacts } from './pending.ts';
import { findProvisioner } from './provisioner.ts';

const sc: V1StorageClass = { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
const empty = { workloads: [], pods: [], csiDrivers: [], csiNodes: {}, nodes: ['node1'] };
const running = findProvisioner('rancher.io/local-path', {
  ...empty,
  workloads: [{ kind: 'Deployment', namespace: 'lp', name: 'local-path-provisioner', selector: { app: 'lp' }, desired: 1, ready: 1, mentions: '' }],
  pods: [{ namespace: 'lp', name: 'lp-1', labels: { app: 'lp' }, node: 'node1', phase: 'Running', ready: true }],
});

function facts(over: Partial<PendingFacts>): PendingFacts {
  return { className: 'local-path', sc, finding: running, claimEvents: [], podEvents: [], waitedS: 60, ...over };
}

describe('pendingCause', () => {
  it('no class at all: there is no default StorageClass', () => {
    expect(pendingCause(facts({ className: '' })).likelyCause).toMatch(/^there is no default StorageClass/);
  });

  it('a class that does not exist', () => {
    const { sc: _sc, ...rest } = facts({ className: 'gone' });
    expect(pendingCause(rest).headline).toBe('StorageClass gone does not exist');
  });

  it('the provisioner runs nowhere: named as the cause, before any event', () => {
    const cause = pendingCause(
      facts({
        finding: findProvisioner('rancher.io/local-path', empty),
        claimEvents: [{ type: 'Normal', reason: 'ExternalProvisioning', message: 'waiting for a volume to be created' }],
      }),
    );
    expect(cause).toMatchObject({ headline: 'provisioner rancher.io/local-path is not running', provisionerAtFault: true });
    expect(cause.likelyCause).toContain('rancher.io/local-path runs nowhere');
  });

  it('the provisioner refuses: its ProvisioningFailed message', () => {
    const cause = pendingCause(
      facts({ claimEvents: [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'configuration error, no node was specified' }] }),
    );
    expect(cause.likelyCause).toBe('the provisioner rancher.io/local-path refuses: configuration error, no node was specified');
  });

  it('the consumer pod cannot be scheduled: the scheduler says why', () => {
    const cause = pendingCause(
      facts({ podEvents: [{ type: 'Warning', reason: 'FailedScheduling', message: '0/2 nodes are available: 2 node(s) had volume node affinity conflict' }] }),
    );
    expect(cause).toMatchObject({ headline: 'the consumer pod cannot be scheduled', provisionerAtFault: false });
    expect(cause.likelyCause).toContain('volume node affinity conflict');
  });

  it('a refusal wins over a readiness probe that fails; without one, not ready is the cause', () => {
    const unready = findProvisioner('rancher.io/local-path', {
      ...empty,
      workloads: [{ kind: 'Deployment', namespace: 'lp', name: 'local-path-provisioner', selector: { app: 'lp' }, desired: 1, ready: 0, mentions: '' }],
      pods: [
        {
          namespace: 'lp',
          name: 'lp-1',
          labels: { app: 'lp' },
          node: 'node1',
          phase: 'Running',
          ready: false,
          running: true,
          reason: 'running, readiness probe failing',
        },
      ],
    });
    const refused = pendingCause(
      facts({ finding: unready, claimEvents: [{ type: 'Warning', reason: 'ProvisioningFailed', message: 'no node was specified' }] }),
    );
    expect(refused.headline).toBe('provisioner rancher.io/local-path failed to create the volume');
    expect(pendingCause(facts({ finding: unready })).headline).toBe('provisioner rancher.io/local-path is not ready');
  });

  it('a running provisioner that made nothing: the log tail is the next place to look', () => {
    const cause = pendingCause(
      facts({
        claimEvents: [
          {
            type: 'Normal',
            reason: 'ExternalProvisioning',
            message: 'waiting for a volume to be created, either by external provisioner "rancher.io/local-path" or manually',
          },
        ],
      }),
    );
    expect(cause.headline).toBe('provisioner rancher.io/local-path created no volume in 60s');
    expect(cause.likelyCause).toContain('its log tail is attached');
  });

  it('static-only classes need a matching PV', () => {
    expect(pendingCause(facts({ sc: { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner' }, className: 'manual' })).headline).toBe(
      'class manual has no provisioner',
    );
  });
});
