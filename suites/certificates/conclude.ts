// Ends a check on its findings: pass with a note, warn, or fail, with every finding's chain and CA.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { ending, type Finding } from './findings.ts';

export function conclude(c: CheckContext, findings: readonly Finding[], now: Date, passMessage: string): void {
  const end = ending(findings, now, passMessage);
  if (end.status === 'pass') {
    c.note(passMessage);
    return;
  }
  const details = { evidence: end.evidence, ...(end.likelyCause === undefined ? {} : { likelyCause: end.likelyCause }) };
  if (end.status === 'fail') c.fail(end.classification ?? 'error', end.message, details);
  c.warn(end.message, details);
}
