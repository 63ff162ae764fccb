// cluster:down leaves nothing behind: the machine's footprint after down equals the one taken
// before cluster:up (SHAKEDOWN_FOOTPRINT_BEFORE names that snapshot, written by footprint.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Footprint, footprint, leftovers } from './footprint.ts';
import { repoRoot } from './layout.ts';

const beforeFile = process.env.SHAKEDOWN_FOOTPRINT_BEFORE;

describe('cluster:down', () => {
  it('needs the footprint taken before cluster:up', () => {
    expect(beforeFile, 'set SHAKEDOWN_FOOTPRINT_BEFORE to the output of `node ci/cluster/footprint.ts` taken before cluster:up').toBeTruthy();
  });

  it('removes processes, namespaces, links, routes, iptables chains, ipsets, mounts, cgroups and state', () => {
    const before = JSON.parse(readFileSync(beforeFile ?? '', 'utf8')) as Footprint;
    const during = footprint();
    // The cluster must have been up when this test started, or the comparison proves nothing.
    expect(leftovers(before, during).length, 'the cluster is not up: nothing to take down').toBeGreaterThan(0);
    const started = Date.now();
    execFileSync(process.execPath, [join(repoRoot, 'ci', 'cluster', 'main.ts'), 'down'], { stdio: 'inherit' });
    console.log(`cluster:down took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(leftovers(before, footprint())).toEqual([]);
  }, 120_000);
});
