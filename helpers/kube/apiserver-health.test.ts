import { describe, expect, it } from 'vitest';
import { etcdLines, failedLines, healthEvidence, likelyCauseOf, parseHealth } from './apiserver-health.ts';

const healthy = `[+]ping ok
[+]log ok
[+]etcd ok
[+]etcd-readiness ok
[+]informer-sync ok
[+]poststarthook/start-apiserver-admission-initializer ok
[+]shutdown ok
readyz check passed
`;

const broken = `[+]ping ok
[+]log ok
[-]etcd failed: reason withheld
[-]etcd-readiness failed: reason withheld
[+]informer-sync ok
[-]poststarthook/rbac/bootstrap-roles failed: reason withheld
[+]poststarthook/generic-apiserver-start-informers excluded: ok
readyz check failed
`;

describe('parseHealth', () => {
  it('reads every named check and the summary of a healthy report', () => {
    const report = parseHealth('/readyz?verbose', 200, healthy);
    expect(report.passed).toBe(true);
    expect(report.summary).toBe('readyz check passed');
    expect(report.lines).toHaveLength(7);
    expect(failedLines(report)).toEqual([]);
    expect(etcdLines(report).map((l) => l.name)).toEqual(['etcd', 'etcd-readiness']);
  });

  it('names the failing checks with their reasons', () => {
    const report = parseHealth('/readyz?verbose', 500, broken);
    expect(report.passed).toBe(false);
    expect(failedLines(report).map((l) => l.name)).toEqual(['etcd', 'etcd-readiness', 'poststarthook/rbac/bootstrap-roles']);
    expect(failedLines(report)[0]?.reason).toBe('reason withheld');
    expect(report.lines.find((l) => l.name === 'poststarthook/generic-apiserver-start-informers')?.status).toBe('excluded');
    expect(healthEvidence(report)).toContain('[-]etcd failed: reason withheld');
    expect(healthEvidence(report).split('\n')[0]).toBe('GET /readyz?verbose: HTTP 500 (readyz check failed)');
  });

  it('does not pass an answer without any named check (a proxy page, an error body)', () => {
    expect(parseHealth('/livez?verbose', 200, 'ok').passed).toBe(false);
    expect(parseHealth('/livez?verbose', 403, '{"kind":"Status"}').passed).toBe(false);
  });
});

describe('likelyCauseOf', () => {
  it('explains etcd, informer sync and post-start hooks', () => {
    expect(likelyCauseOf('etcd')).toMatch(/cannot reach etcd/);
    expect(likelyCauseOf('etcd-readiness')).toMatch(/readiness timeout/);
    expect(likelyCauseOf('informer-sync')).toMatch(/informers/);
    expect(likelyCauseOf('poststarthook/rbac/bootstrap-roles')).toMatch(/RBAC/);
    expect(likelyCauseOf('poststarthook/start-kube-aggregator-informers')).toMatch(/start-up hook/);
    expect(likelyCauseOf('something-new')).toBe('the API server\'s "something-new" check fails');
  });
});
