import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResolvConf, readResolvConf } from './resolv-conf.ts';

const KUBERNETES_RESOLV_CONF = `# written by the kubelet
search sd-1.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
nameserver fd00:10:96::a ; second
options ndots:5 timeout:2
options attempts:3
`;

describe('parseResolvConf', () => {
  it('reads nameservers, the search path and options, ignoring comments', () => {
    expect(parseResolvConf(KUBERNETES_RESOLV_CONF)).toEqual({
      nameservers: ['10.96.0.10', 'fd00:10:96::a'],
      search: ['sd-1.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5', 'timeout:2', 'attempts:3'],
    });
  });

  it('lets the last search or domain line win, as glibc does', () => {
    expect(parseResolvConf('search a.example b.example\ndomain c.example\n').search).toEqual(['c.example']);
  });
});

describe('readResolvConf', () => {
  it('reads the file, and reports why when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sd-resolv-'));
    try {
      await writeFile(join(dir, 'resolv.conf'), 'nameserver 10.0.0.10\n');
      expect(await readResolvConf(join(dir, 'resolv.conf'))).toEqual({ nameservers: ['10.0.0.10'], search: [], options: [] });
      const missing = await readResolvConf(join(dir, 'absent'));
      expect(missing).toMatchObject({ nameservers: [], search: [], options: [] });
      expect(missing.error).toMatch(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
