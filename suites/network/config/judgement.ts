// What a configuration check concludes: the plugin present or not (and why not), what was seen
// (said on a pass, and as evidence on a failure), and the mismatches, each one sentence naming
// both values. A judgement is data; the check turns it into pass, warn, fail or skip.

export interface Finding {
  level: 'fail' | 'warn';
  text: string;
  // The node the finding is about, when it is about one.
  node?: string;
}

export interface Judgement {
  plugin: string;
  // Why the plugin is taken as absent: the check skips with this.
  absent?: string;
  seen: string[];
  findings: Finding[];
}

export const fail = (text: string, node?: string): Finding => ({ level: 'fail', text, ...(node === undefined ? {} : { node }) });
export const warn = (text: string, node?: string): Finding => ({ level: 'warn', text, ...(node === undefined ? {} : { node }) });

// The first failing finding (or warning) as the headline, with a count of the others.
export function headline(findings: readonly Finding[]): string {
  const sorted = [...findings].sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
  const [first] = sorted;
  if (first === undefined) return '';
  return sorted.length === 1 ? first.text : `${first.text} (and ${sorted.length - 1} more finding(s))`;
}

// The one node every node-bound finding names, when they all name the same one.
export function commonNode(findings: readonly Finding[]): string | undefined {
  const nodes = new Set(findings.map((f) => f.node));
  const [only] = nodes;
  return nodes.size === 1 && only !== undefined ? only : undefined;
}
