// The versions of the components, and the skew between them, as evidence: judging whether a skew
// is acceptable for an upgrade is the upgrade gate's job.

export interface ComponentVersion {
  component: string;
  // Node or pod the version was read from.
  where: string;
  version: string;
}

export function minorOf(version: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

// One line per component version that differs from the API server's, in minor versions.
export function skewLines(apiServer: string, versions: readonly ComponentVersion[]): string[] {
  const reference = minorOf(apiServer);
  if (reference === undefined) return [`the API server version "${apiServer}" is not a Kubernetes version: no skew computed`];
  const lines: string[] = [];
  for (const v of versions) {
    const parsed = minorOf(v.version);
    if (parsed === undefined) {
      lines.push(`${v.component} on ${v.where}: version "${v.version}" not comparable`);
      continue;
    }
    if (parsed.major !== reference.major) {
      lines.push(`${v.component} on ${v.where}: ${v.version}, another major version than the API server ${apiServer}`);
      continue;
    }
    const diff = parsed.minor - reference.minor;
    if (diff === 0) continue;
    lines.push(
      `${v.component} on ${v.where}: ${v.version} is ${Math.abs(diff)} minor version${Math.abs(diff) === 1 ? '' : 's'} ${diff < 0 ? 'older' : 'NEWER'} than the API server ${apiServer}`,
    );
  }
  return lines;
}
