// Findings to an outcome, in one place: a check that judges many things (certificates, a network
// plugin's configuration, Ingress classes, a cluster's existing routes) collects findings as data,
// each a failure or a warning in one sentence, and ends on them: it passes with its note when there
// are none, else it fails on any failure (warns on warnings only) with the first finding as the
// headline, every finding in the evidence, the causes said once each, and, when every finding is
// about one node, that node as the origin.
import type { Classification, Evidence, Origin } from '../result.ts';
import type { CheckContext } from './check.ts';

export interface Finding {
  level: 'fail' | 'warn';
  // One sentence that names what and where.
  text: string;
  // How a failure is classified (else the conclusion's default).
  classification?: Classification;
  likelyCause?: string;
  // What this finding saw (a chain of certificates, a configuration), after the list of findings.
  evidence?: readonly Evidence[];
  // The node the finding is about, when it is about one.
  node?: string;
}

export interface Conclusion {
  // The note of a pass.
  pass: string;
  // A failure's classification when its first failing finding has none.
  classification?: Classification;
  // Said when no finding says its own cause.
  likelyCause?: string;
  // Evidence shown first, whatever the outcome's status (what was read).
  evidence?: readonly Evidence[];
  // The label of the list of findings.
  label?: string;
}

export interface Outcome {
  status: 'pass' | 'warn' | 'fail';
  message: string;
  classification?: Classification;
  evidence: Evidence[];
  likelyCause?: string;
  origin?: Origin;
}

export const fail = (text: string, more: Omit<Finding, 'level' | 'text'> = {}): Finding => ({ level: 'fail', text, ...more });
export const warn = (text: string, more: Omit<Finding, 'level' | 'text'> = {}): Finding => ({ level: 'warn', text, ...more });

export function findingLine(finding: Finding): string {
  return `${finding.level === 'fail' ? 'FAIL' : 'WARN'} ${finding.text}`;
}

// Failures first, then warnings, each in the order found.
function ordered(findings: readonly Finding[]): Finding[] {
  return [...findings.filter((f) => f.level === 'fail'), ...findings.filter((f) => f.level === 'warn')];
}

export function headline(findings: readonly Finding[]): string {
  const [first, ...rest] = ordered(findings);
  if (first === undefined) return '';
  return rest.length === 0 ? first.text : `${first.text} (and ${rest.length} more finding(s))`;
}

export function outcomeOf(findings: readonly Finding[], conclusion: Conclusion): Outcome {
  const evidence = [...(conclusion.evidence ?? [])];
  const all = ordered(findings);
  const first = all[0];
  if (first === undefined) return { status: 'pass', message: conclusion.pass, evidence };
  const status = first.level;
  evidence.push({ label: conclusion.label ?? 'findings', text: all.map(findingLine).join('\n') }, ...all.flatMap((f) => f.evidence ?? []));
  const causes = [...new Set(all.map((f) => f.likelyCause).filter((cause) => cause !== undefined))];
  const likelyCause = causes.length > 0 ? causes.join('; ') : conclusion.likelyCause;
  const judged = status === 'fail' ? all.filter((f) => f.level === 'fail') : all;
  const nodes = new Set(judged.map((f) => f.node));
  const node = nodes.size === 1 ? [...nodes][0] : undefined;
  const origin: Origin | undefined =
    node === undefined || all.length < 2 ? undefined : { dimension: 'node', value: node, summary: `every finding is about node ${node}`, confidence: 'medium' };
  return {
    status,
    message: headline(all),
    ...(status === 'fail' ? { classification: first.classification ?? conclusion.classification ?? 'mismatch' } : {}),
    evidence,
    ...(likelyCause === undefined ? {} : { likelyCause }),
    ...(origin === undefined ? {} : { origin }),
  };
}

// Ends the check as its findings say (a pass returns; a warning or failure ends the check).
export function conclude(c: CheckContext, findings: readonly Finding[], conclusion: Conclusion): void {
  const outcome = outcomeOf(findings, conclusion);
  if (outcome.status === 'pass') {
    for (const evidence of outcome.evidence) c.evidence(evidence);
    c.note(outcome.message);
    return;
  }
  const details = {
    evidence: outcome.evidence,
    ...(outcome.likelyCause === undefined ? {} : { likelyCause: outcome.likelyCause }),
    ...(outcome.origin === undefined ? {} : { origin: outcome.origin }),
  };
  if (outcome.status === 'fail') c.fail(outcome.classification ?? 'mismatch', outcome.message, details);
  c.warn(outcome.message, details);
}
