// Why a claim does or does not match a PersistentVolume, field by field, as the PV controller
// decides: the PV is free (Available, or pre-bound to this claim), same class, enough capacity,
// every access mode the claim asks, same volume mode, the claim's selector matches the PV's labels,
// the claim's volumeName (if any) names it, and, once a consumer pod chose a node
// (WaitForFirstConsumer), the PV's node affinity admits that node. Expectations are rows of data
// (field, claim, PV, ok), printed as a table; the same rows judge a freshly provisioned PV against
// its claim and class (pv-expect.ts). Pure, unit-tested with fake objects.
import type { V1LabelSelector, V1NodeSelector, V1NodeSelectorRequirement, V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { formatBytes, parseQuantity } from './quantity.ts';

export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

export interface Row {
  field: string;
  claim: string;
  pv: string;
  // undefined: does not apply here (shown as "-").
  ok: boolean | undefined;
}

export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
}

export interface Candidate {
  pv: string;
  rows: Row[];
  matches: boolean;
  mismatched: string[];
}

const SHORT: Readonly<Record<string, string>> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

export function modesText(modes: readonly string[] | undefined): string {
  return (modes ?? []).map((m) => SHORT[m] ?? m).join(',') || 'none';
}

export function claimName(claim: V1PersistentVolumeClaim): string {
  return `${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}`;
}

export function requestOf(claim: V1PersistentVolumeClaim): string | undefined {
  return claim.spec?.resources?.requests?.storage;
}

export function capacityOf(pv: V1PersistentVolume): string | undefined {
  return pv.spec?.capacity?.storage;
}

// The class as the PV controller reads it: storageClassName, "" when unset.
export function claimClass(claim: V1PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? '';
}

export function pvClass(pv: V1PersistentVolume): string {
  return pv.spec?.storageClassName ?? '';
}

function requirementMatches(req: { key: string; operator: string; values?: string[] }, labels: Record<string, string>): boolean {
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

export function selectorMatches(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  const exact = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return exact && (selector.matchExpressions ?? []).every((req) => requirementMatches(req, labels));
}

export function selectorText(selector: V1LabelSelector | undefined): string {
  if (selector === undefined) return 'none';
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(selector.matchExpressions ?? []).map((req) => `${req.key} ${req.operator}${req.values === undefined ? '' : ` (${req.values.join(',')})`}`),
  ];
  return parts.join(', ') || 'none';
}

// A node selector (a PV's required node affinity): any term matching is enough.
export function nodeSelectorAdmits(selector: V1NodeSelector | undefined, node: NodeFacts): boolean {
  if (selector === undefined || selector.nodeSelectorTerms.length === 0) return true;
  const fieldValue = (req: V1NodeSelectorRequirement) => requirementMatches(req, { 'metadata.name': node.name });
  return selector.nodeSelectorTerms.some(
    (term) => (term.matchExpressions ?? []).every((req) => requirementMatches(req, node.labels)) && (term.matchFields ?? []).every(fieldValue),
  );
}

export function nodeAffinityText(pv: V1PersistentVolume): string {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return 'any node';
  return terms
    .map((term) =>
      [...(term.matchExpressions ?? []), ...(term.matchFields ?? [])]
        .map((req) => `${req.key} ${req.operator} ${(req.values ?? []).join(',')}`.trim())
        .join(' and '),
    )
    .join(' or ');
}

function pvLabels(pv: V1PersistentVolume): Record<string, string> {
  return pv.metadata?.labels ?? {};
}

// Is the PV free for this claim: Available and not reserved for another claim, or already this claim's.
function freeRow(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): Row {
  const ref = pv.spec?.claimRef;
  const phase = pv.status?.phase ?? 'Pending';
  const ours =
    ref !== undefined &&
    ref.name === claim.metadata?.name &&
    ref.namespace === claim.metadata?.namespace &&
    (ref.uid === undefined || ref.uid === claim.metadata?.uid);
  if (ours) return { field: 'free', claim: 'this claim', pv: `${phase}, claimRef this claim`, ok: true };
  if (ref !== undefined)
    return {
      field: 'free',
      claim: 'an unbound PV',
      pv: `${phase}, ${ref.uid === undefined ? 'reserved for' : 'bound to'} ${ref.namespace ?? ''}/${ref.name ?? ''}`,
      ok: false,
    };
  return { field: 'free', claim: 'an unbound PV', pv: phase, ok: phase === 'Available' };
}

// Every field the PV controller compares, with node affinity once a node was selected.
export function matchRows(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume, nodes: readonly NodeFacts[] = []): Row[] {
  const rows: Row[] = [freeRow(claim, pv)];
  const wantedName = claim.spec?.volumeName;
  if (wantedName !== undefined && wantedName !== '')
    rows.push({ field: 'volumeName', claim: wantedName, pv: pv.metadata?.name ?? '', ok: wantedName === pv.metadata?.name });
  rows.push({ field: 'storageClassName', claim: claimClass(claim) || '""', pv: pvClass(pv) || '""', ok: claimClass(claim) === pvClass(pv) });
  const request = requestOf(claim);
  const capacity = capacityOf(pv);
  const requestBytes = parseQuantity(request);
  const capacityBytes = parseQuantity(capacity);
  rows.push({
    field: 'capacity',
    claim: request === undefined ? 'none' : `>= ${request}`,
    pv: capacity ?? 'none',
    ok: requestBytes === undefined || (capacityBytes !== undefined && capacityBytes >= requestBytes),
  });
  const wanted = claim.spec?.accessModes ?? [];
  const offered = pv.spec?.accessModes ?? [];
  rows.push({ field: 'accessModes', claim: modesText(wanted), pv: modesText(offered), ok: wanted.every((mode) => offered.includes(mode)) });
  const claimMode = claim.spec?.volumeMode ?? 'Filesystem';
  const pvMode = pv.spec?.volumeMode ?? 'Filesystem';
  rows.push({ field: 'volumeMode', claim: claimMode, pv: pvMode, ok: claimMode === pvMode });
  rows.push({
    field: 'selector',
    claim: selectorText(claim.spec?.selector),
    pv:
      Object.entries(pvLabels(pv))
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'no labels',
    ok: selectorMatches(claim.spec?.selector, pvLabels(pv)),
  });
  const selected = claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
  if (selected !== undefined) {
    const node = nodes.find((n) => n.name === selected) ?? { name: selected, labels: { 'kubernetes.io/hostname': selected } };
    rows.push({
      field: 'nodeAffinity',
      claim: `node ${selected} (chosen for its pod)`,
      pv: nodeAffinityText(pv),
      ok: nodeSelectorAdmits(pv.spec?.nodeAffinity?.required, node),
    });
  } else {
    rows.push({ field: 'nodeAffinity', claim: 'no node chosen yet', pv: nodeAffinityText(pv), ok: undefined });
  }
  return rows;
}

export function candidate(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume, nodes: readonly NodeFacts[] = []): Candidate {
  const rows = matchRows(claim, pv, nodes);
  const mismatched = rows.filter((row) => row.ok === false).map((row) => row.field);
  return { pv: pv.metadata?.name ?? '', rows, matches: mismatched.length === 0, mismatched };
}

export interface Explanation {
  claim: string;
  // The closest PVs first (fewest mismatching fields), at most `limit`.
  candidates: Candidate[];
  // How many PVs were compared.
  compared: number;
  // One line: which PV matches, or what the closest ones lack.
  summary: string;
}

// Compares a claim with every PV and keeps the closest: the answer to "why does it not bind?".
export function explainClaim(claim: V1PersistentVolumeClaim, pvs: readonly V1PersistentVolume[], nodes: readonly NodeFacts[] = [], limit = 5): Explanation {
  const all = pvs.map((pv) => candidate(claim, pv, nodes)).sort((a, b) => a.mismatched.length - b.mismatched.length || a.pv.localeCompare(b.pv));
  const candidates = all.slice(0, limit);
  const name = claimName(claim);
  const matching = all.filter((c) => c.matches);
  let summary: string;
  if (pvs.length === 0) summary = `${name}: no PersistentVolume exists to match`;
  else if (matching.length > 0) summary = `${name}: ${matching.map((c) => c.pv).join(', ')} match${matching.length === 1 ? 'es' : ''} every field`;
  else {
    const sameClass = all.filter((c) => !c.mismatched.includes('storageClassName'));
    const closest = (sameClass.length > 0 ? sameClass : all).slice(0, 3);
    summary =
      sameClass.length === 0
        ? `${name}: none of ${pvs.length} PV(s) has storageClassName ${claimClass(claim) || '""'}`
        : `${name}: none of ${sameClass.length} PV(s) of class ${claimClass(claim) || '""'} matches; ${closest.map((c) => `${c.pv} differs in ${c.mismatched.map((f) => describeMismatch(c, f)).join(', ')}`).join('; ')}`;
  }
  return { claim: name, candidates, compared: pvs.length, summary };
}

function describeMismatch(c: Candidate, field: string): string {
  const row = c.rows.find((r) => r.field === field);
  return row === undefined ? field : `${field} (claim ${row.claim}, PV ${row.pv})`;
}

// The rows of one or more candidates as a fixed-width table: field | claim | PV | ok.
export function rowsTable(title: string, rows: readonly Row[]): string {
  const mark = (ok: boolean | undefined) => (ok === undefined ? '-' : ok ? 'ok' : 'MISMATCH');
  const table = [['field', 'claim', title, ''], ...rows.map((r) => [r.field, r.claim, r.pv, mark(r.ok)])];
  const widths = [0, 1, 2].map((i) => Math.min(48, Math.max(...table.map((line) => (line[i] ?? '').length))));
  return table
    .map((line) =>
      line
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function explanationText(explanation: Explanation): string {
  return [explanation.summary, ...explanation.candidates.map((c) => rowsTable(`PV ${c.pv}`, c.rows))].join('\n\n');
}

export function bytesText(bytes: number | undefined): string {
  return bytes === undefined ? 'unknown' : formatBytes(bytes);
}
