// Check patterns: how --check, --skip-check and a waiver's `check` name checks. A pattern is matched,
// whole and without regard to case, against a check's two names: SUITE/CHECK TITLE, what a person
// types, and its stable id SUITE › CHECK TITLE, what `shakedown list`, the reports and `shakedown
// diff` print (" > " may stand for " › "). `*` stands for any text (" › " and "/" included), `?` for
// one character; nothing else is special. A pattern that matches nothing is answered with the
// nearest ids, so a typo is one edit away from its fix.
import { checkName } from './result.ts';

export interface CheckId {
  suite: string;
  check: string;
}

// What a person types to name a check: SUITE/CHECK TITLE.
export function typedName(id: CheckId): string {
  return `${id.suite}/${id.check}`;
}

export interface CheckPattern {
  // As written (trimmed).
  text: string;
  matches(id: CheckId): boolean;
}

// " > " for " › ", which few keyboards have.
function normalize(text: string): string {
  return text.trim().replace(/\s+>\s+/g, ' › ');
}

function globRegExp(glob: string): RegExp {
  const body = [...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'is');
}

export function checkPattern(text: string): CheckPattern {
  const written = text.trim();
  const glob = globRegExp(normalize(written));
  return { text: written, matches: (id) => glob.test(typedName(id)) || glob.test(checkName(id)) };
}

// Whether a glob (no suite part) matches a whole text, without regard to case.
export function globMatches(glob: string, text: string): boolean {
  return globRegExp(glob.trim()).test(text);
}

// The ids nearest to a pattern that matched none of them, nearest first (ties in their given order):
// its suite part is compared with each suite's name, its title part looked for, approximately, in
// each title; a pattern without a suite part is compared with both.
export function nearestIds(pattern: string, ids: readonly CheckId[], count = 3): CheckId[] {
  const text = normalize(pattern).toLowerCase();
  const split = splitPattern(text);
  const score = (id: CheckId): number => {
    const suite = id.suite.toLowerCase();
    const title = id.check.toLowerCase();
    if (split.suite === undefined) return Math.min(partDistance(text, title, false), partDistance(text, suite, true));
    return partDistance(split.suite, suite, true) + partDistance(split.title, title, false);
  };
  return ids
    .map((id, index) => ({ id, index, score: score(id) }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, count)
    .map((scored) => scored.id);
}

function splitPattern(text: string): { suite: string | undefined; title: string } {
  for (const separator of ['/', ' › ']) {
    const at = text.indexOf(separator);
    if (at >= 0) return { suite: text.slice(0, at), title: text.slice(at + separator.length) };
  }
  return { suite: undefined, title: text };
}

// How far a part of a pattern is from a text: 0 when it matches; else the edits that make the whole
// text of it (a suite's name), or each literal run of it found somewhere in the text (a title).
function partDistance(glob: string, text: string, whole: boolean): number {
  if (globRegExp(glob).test(text)) return 0;
  const literals = glob.split(/[*?]+/).filter((literal) => literal !== '');
  if (whole && literals.length === 1 && literals[0] === glob) return editDistance(glob, text);
  return literals.reduce((sum, literal) => sum + substringDistance(literal, text), 0);
}

// Levenshtein distance.
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// The fewest edits that make `needle` a substring of `text` (Sellers' algorithm).
export function substringDistance(needle: string, text: string): number {
  let previous = Array.from({ length: text.length + 1 }, () => 0);
  for (let i = 1; i <= needle.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= text.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (needle[i - 1] === text[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return Math.min(...previous);
}
