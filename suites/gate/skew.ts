// Version skew against the target, by the upstream skew policy
// (https://kubernetes.io/releases/version-skew-policy/): kubelet and kube-proxy never newer than
// the API server and at most 3 minors older; kube-controller-manager and kube-scheduler never newer
// than the API server and at most one minor older; the control plane moves one minor at a time.
// Pure: versions in, findings out.
import { minorText, minorsBetween, parseMinor, type Minor } from './version.ts';

export interface Versioned {
  component: 'kubelet' | 'kube-proxy' | 'kube-controller-manager' | 'kube-scheduler' | 'kube-apiserver';
  where: string;
  version: string;
}

export interface SkewFinding {
  level: 'fail' | 'warn';
  text: string;
}

const NODE_COMPONENTS = ['kubelet', 'kube-proxy'];

export function judgeSkew(apiServer: string, target: Minor, components: readonly Versioned[]): { findings: SkewFinding[]; lines: string[] } {
  const findings: SkewFinding[] = [];
  const lines: string[] = [];
  const current = parseMinor(apiServer);
  if (current === undefined)
    return { findings: [{ level: 'fail', text: `the API server version "${apiServer}" is not a Kubernetes version: no skew can be judged` }], lines };
  const step = minorsBetween(target, current);
  if (step === undefined) findings.push({ level: 'fail', text: `the target ${minorText(target)} is another major version than the API server ${apiServer}` });
  else if (step < 0)
    findings.push({
      level: 'fail',
      text: `the target ${minorText(target)} is older than the API server ${apiServer}: a downgrade, which Kubernetes does not support`,
    });
  else if (step > 1)
    findings.push({
      level: 'fail',
      text: `the target ${minorText(target)} is ${step} minors above the API server ${apiServer}: the control plane upgrades one minor at a time (through ${Array.from({ length: step - 1 }, (_, i) => `${current.major}.${current.minor + i + 1}`).join(', ')} first)`,
    });
  lines.push(`kube-apiserver ${apiServer} -> target ${minorText(target)} (${step === 0 ? 'a patch upgrade' : step === 1 ? 'one minor' : `${step} minors`})`);
  for (const c of components) {
    const v = parseMinor(c.version);
    if (v === undefined) {
      findings.push({ level: 'warn', text: `${c.component} on ${c.where}: version "${c.version}" is not comparable` });
      continue;
    }
    const now = minorsBetween(current, v) ?? Number.NaN;
    const after = minorsBetween(target, v) ?? Number.NaN;
    const limit = NODE_COMPONENTS.includes(c.component) ? 3 : 1;
    lines.push(
      `${c.component} on ${c.where}: ${c.version} (${now === 0 ? 'same minor as' : now > 0 ? `${now} older than` : `${-now} NEWER than`} the API server now; ${after <= 0 ? (after === 0 ? 'same minor as' : `${-after} newer than`) : `${after} older than`} the target)`,
    );
    if (Number.isNaN(now))
      findings.push({ level: 'fail', text: `${c.component} on ${c.where}: ${c.version} is another major version than the API server ${apiServer}` });
    else if (now < 0)
      findings.push({ level: 'fail', text: `${c.component} on ${c.where}: ${c.version} is newer than the API server ${apiServer} (never allowed)` });
    else if (after < 0) findings.push({ level: 'fail', text: `${c.component} on ${c.where}: ${c.version} is newer than the target ${minorText(target)}` });
    else if (after > limit) {
      const floor = `${target.major}.${target.minor - limit}`;
      findings.push({
        level: 'fail',
        text: `${c.component} on ${c.where}: ${c.version} would be ${after} minors older than the API server at ${minorText(target)} (at most ${limit} allowed): upgrade it to ${floor} or newer before the control plane`,
      });
    }
  }
  return { findings, lines };
}
