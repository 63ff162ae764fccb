import { describe, expect, it } from 'vitest';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import type { CheckResult } from '../helpers/result.ts';
import { gateSuites, requireTarget } from './gate.ts';
import { failOnCode } from './run.ts';

const suite = (name: string, setup: ('fleet' | 'namespaces')[]): LoadedSuite =>
  ({ name, file: `suites/${name}/${name}.suite.ts`, manifestPath: '', manifest: { name, setup } }) as unknown as LoadedSuite;
const all = [suite('gate', []), suite('readonly', []), suite('dns', ['fleet'])];
const result = (status: CheckResult['status']): CheckResult =>
  ({
    suite: 's',
    check: 'c',
    status,
    message: '',
    durationMs: 1,
    evidence: [],
    ...(status === 'fail' ? { classification: 'error' } : {}),
    ...(status === 'skip' ? { skipReason: 'r' } : {}),
  }) as CheckResult;

describe('shakedown gate', () => {
  it('runs the gate suite and other read-only suites, never one that creates pods', () => {
    expect(gateSuites(all, []).map((s) => s.name)).toEqual(['gate']);
    expect(gateSuites(all, ['readonly', 'gate']).map((s) => s.name)).toEqual(['gate', 'readonly']);
    expect(() => gateSuites(all, ['dns'])).toThrow(/read-only suites only; dns/);
    expect(() => gateSuites(all, ['nope'])).toThrow(/names no suite: nope/);
  });
  it('needs a target version', () => {
    expect(() => requireTarget({ gate: { targetVersion: undefined } })).toThrow(/needs --target-version/);
    expect(requireTarget({ gate: { targetVersion: '1.35' } })).toBe('1.35');
  });
  it('--fail-on warn makes a warning exit 1; failures and setup errors keep their code', () => {
    expect(failOnCode(0, [result('pass'), result('warn')], 'fail')).toBe(0);
    expect(failOnCode(0, [result('pass'), result('warn')], 'warn')).toBe(1);
    expect(failOnCode(0, [result('pass'), result('skip')], 'warn')).toBe(0);
    expect(failOnCode(2, [result('warn')], 'warn')).toBe(2);
  });
  it('--fail-on warn leaves a waived failure waived: it is neither a failure nor a warning', () => {
    const waived = { ...result('fail'), waiver: { check: 's/*', reason: 'known', until: '2027-01-01' } } as CheckResult;
    expect(failOnCode(0, [result('pass'), waived], 'warn')).toBe(0);
  });
});
