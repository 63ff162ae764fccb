// The reachability model of a NetworkPolicy truth table: namespaces x pods x ports x protocols,
// named logically ("x/a", "TCP/9000"). Expected tables are built from rules, data not branches:
// start from all allowed (or all blocked), then each rule sets the cells it matches; the last
// rule that matches a cell wins. Patterns: "x/a" one pod, "x/*" or "x" a namespace, "*" anything;
// ports "TCP/9000", "UDP/*", "*/9001".

export type Protocol = 'TCP' | 'UDP';

export interface ModelPort {
  protocol: Protocol;
  port: number;
  // The container port's name, for policies that name the port.
  name: string;
}

export interface ReachModel {
  namespaces: readonly string[];
  pods: readonly string[];
  ports: readonly ModelPort[];
}

export interface Rule {
  from?: string;
  to?: string;
  port?: string;
  allowed: boolean;
}

// One cell's coordinates.
export interface Probe {
  from: string;
  to: string;
  port: ModelPort;
}

export type Truth = Map<string, boolean>;

export const portLabel = (port: ModelPort): string => `${port.protocol}/${port.port}`;
export const cellKey = (from: string, to: string, port: ModelPort): string => `${from}>${to}@${portLabel(port)}`;

export function podIds(model: ReachModel): string[] {
  return model.namespaces.flatMap((ns) => model.pods.map((pod) => `${ns}/${pod}`));
}

// Every (from, to, port) of the model, in a stable order: ports, then sources, then targets.
export function probesOf(model: ReachModel): Probe[] {
  const ids = podIds(model);
  return model.ports.flatMap((port) => ids.flatMap((from) => ids.map((to) => ({ from, to, port }))));
}

export function matchesPod(pattern: string | undefined, id: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  const [ns, pod] = id.split('/');
  const [wantNs, wantPod = '*'] = pattern.split('/');
  return (wantNs === '*' || wantNs === ns) && (wantPod === '*' || wantPod === pod);
}

export function matchesPort(pattern: string | undefined, port: ModelPort): boolean {
  if (pattern === undefined || pattern === '*') return true;
  const [protocol = '*', number = '*'] = pattern.split('/');
  return (protocol === '*' || protocol === port.protocol) && (number === '*' || number === String(port.port) || number === port.name);
}

// The expected table: `base` everywhere, then the rules in order. A pod always reaches itself
// (the traffic never leaves its network namespace), as upstream's AllowLoopback.
export function expectTable(model: ReachModel, rules: readonly Rule[], base = true): Truth {
  const truth: Truth = new Map();
  for (const probe of probesOf(model)) {
    if (probe.from === probe.to) {
      truth.set(cellKey(probe.from, probe.to, probe.port), true);
      continue;
    }
    let allowed = base;
    for (const rule of rules) {
      if (matchesPod(rule.from, probe.from) && matchesPod(rule.to, probe.to) && matchesPort(rule.port, probe.port)) allowed = rule.allowed;
    }
    truth.set(cellKey(probe.from, probe.to, probe.port), allowed);
  }
  return truth;
}

// Rules must name pods, namespaces and ports of the model: a typo fails at load time, not as a
// mysterious table. Returns the problems, empty when the rules are sound.
export function ruleProblems(model: ReachModel, rules: readonly Rule[]): string[] {
  const problems: string[] = [];
  const ids = podIds(model);
  rules.forEach((rule, index) => {
    for (const [field, pattern] of [
      ['from', rule.from],
      ['to', rule.to],
    ] as const) {
      if (pattern !== undefined && !ids.some((id) => matchesPod(pattern, id))) problems.push(`rule ${index + 1}: ${field} "${pattern}" matches no pod`);
    }
    if (rule.port !== undefined && !model.ports.some((port) => matchesPort(rule.port, port)))
      problems.push(`rule ${index + 1}: port "${rule.port}" matches no port`);
  });
  return problems;
}
