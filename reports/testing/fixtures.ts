import type { FailedCheck, PassedCheck, RunInfo, SkippedCheck, WarnedCheck } from '../../helpers/result.ts';

// Builders for the reporter tests: a plausible run and one result of each kind.

export function runInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    runId: 'sd-20250101-abcd',
    startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: '2025-01-01T10:01:30.500Z',
    cluster: { server: 'https://10.0.0.1:6443', version: 'v1.31.2', nodes: 3, context: 'kind-shakedown' },
    properties: {},
    ...overrides,
  };
}

export function passed(suite: string, check: string, overrides: Partial<PassedCheck> = {}): PassedCheck {
  return { suite, check, status: 'pass', durationMs: 120, message: 'all 9 pairs answered', evidence: [], ...overrides };
}

export function failed(suite: string, check: string, overrides: Partial<FailedCheck> = {}): FailedCheck {
  return {
    suite,
    check,
    status: 'fail',
    classification: 'not-enforced',
    durationMs: 2500,
    message: 'expected x/b -> y/a blocked, observed allowed',
    evidence: [{ label: 'reachability (expected vs observed)', text: '      y/a\nx/b   X .' }],
    likelyCause: 'the CNI does not enforce NetworkPolicy',
    reproduce: 'kubectl exec -n sd-x b -- agent probe y/a:80',
    log: ['applied deny-all to y', 'probe x/b -> y/a: connected'],
    ...overrides,
  };
}

export function skipped(suite: string, check: string, overrides: Partial<SkippedCheck> = {}): SkippedCheck {
  return { suite, check, status: 'skip', durationMs: 0, message: 'skipped', skipReason: 'no IngressClass in the cluster', evidence: [], ...overrides };
}

export function warned(suite: string, check: string, overrides: Partial<WarnedCheck> = {}): WarnedCheck {
  return {
    suite,
    check,
    status: 'warn',
    durationMs: 40,
    message: 'the serving certificate expires in 40 days',
    evidence: [{ label: 'certificate', text: 'notAfter 2025-02-10T00:00:00Z' }],
    likelyCause: 'certificate rotation is not automated',
    ...overrides,
  };
}

// A failure a live waiver matched (--waivers): still status fail, reported as waived.
export function waivedFailure(suite: string, check: string, overrides: Partial<FailedCheck> = {}): FailedCheck {
  return failed(suite, check, {
    waiver: { check: `${suite}/*`, reason: 'known: the CNI enforces no policy here (OPS-1234)', until: '2027-03-31' },
    ...overrides,
  });
}
