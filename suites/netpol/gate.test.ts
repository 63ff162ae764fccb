import { describe, expect, it } from 'vitest';
import { VerdictDecided, verdictGate } from './gate.ts';

describe("the enforcement verdict's gate", () => {
  it('resolves once, with the first decision', async () => {
    const gate = verdictGate();
    expect(gate.known()).toBeUndefined();
    gate.decide({ skipReason: 'not enforced' });
    gate.decide({});
    expect(gate.known()).toEqual({ skipReason: 'not enforced' });
    expect(await gate.decision).toEqual({ skipReason: 'not enforced' });
  });

  it('aborts the signals of the holders a decision concerns, and only theirs', () => {
    const gate = verdictGate();
    const concerned = gate.watch((d) => d.skipReason !== undefined);
    const untouched = gate.watch(() => false);
    expect(concerned.aborted).toBe(false);
    gate.decide({ skipReason: 'not enforced' });
    expect(concerned.aborted).toBe(true);
    expect(concerned.reason).toBeInstanceOf(VerdictDecided);
    expect(untouched.aborted).toBe(false);
  });

  it('gives a holder that watches after the decision a signal already aborted when it concerns it', () => {
    const gate = verdictGate();
    gate.decide({});
    expect(gate.watch(() => true).aborted).toBe(true);
    expect(gate.watch(() => false).aborted).toBe(false);
  });
});
