import { describe, expect, it } from 'vitest';
import { cniBinDir } from './flannel.ts';
import { nodeLayout } from './layout.ts';
import { containerdConfig } from './node.ts';

describe('containerd configuration', () => {
  const node = nodeLayout(2);

  it("finds CNI plugins in Debian's directory by default", () => {
    expect(containerdConfig(node)).toContain('bin_dir = "/usr/lib/cni"\n');
    expect(containerdConfig(node)).toContain(`conf_dir = "${node.dir}/cni"\n`);
  });

  it('gives each node of the flannel profile its own plugin directory, where the DaemonSet puts flannel', () => {
    const conf = containerdConfig(node, { binDir: cniBinDir(node), writeConf: false });
    expect(conf).toContain(`bin_dir = "${node.dir}/cni-bin"\n`);
    expect(conf).toContain(`conf_dir = "${node.dir}/cni"\n`);
  });
});
