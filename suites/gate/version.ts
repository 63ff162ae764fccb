// Kubernetes versions as the gate compares them: major.minor (the skew policy speaks in minors),
// read from "1.35", "v1.35.0" or "v1.34.4+k3s1". The --target-version value type lives here too.
import { InvalidValue, type ValueType } from '../../helpers/config-values.ts';

export interface Minor {
  major: number;
  minor: number;
}

export function parseMinor(version: string): Minor | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

// a - b in minor versions; undefined across majors (Kubernetes has had one major).
export function minorsBetween(a: Minor, b: Minor): number | undefined {
  return a.major === b.major ? a.minor - b.minor : undefined;
}

export const minorText = (m: Minor): string => `${m.major}.${m.minor}`;

export const kubeVersion: ValueType<string> = {
  flag: { type: 'string' },
  shape: 'VERSION',
  fromText(raw) {
    const value = raw.trim();
    if (parseMinor(value) === undefined) throw new InvalidValue(`must be a Kubernetes version such as 1.35 or v1.35.0, got "${raw}"`);
    return value.replace(/^v/, '');
  },
  fromJson(value) {
    if (typeof value !== 'string') throw new InvalidValue(`must be a string such as "1.35", got ${typeof value}`);
    return this.fromText(value);
  },
};
