import { describe, expect, it } from 'vitest';
import { reproduceProbe } from './reproduce.ts';

describe('reproducing one probe', () => {
  it('connects over TCP, or sends one UDP datagram, from inside the source pod', () => {
    const base = { namespace: 'ns-x', pod: 'a', container: 'agent', host: '10.244.2.16', timeoutMs: 2000 };
    const tcp = reproduceProbe({ ...base, port: { protocol: 'TCP', port: 9000, name: 'serve-9000-tcp' } });
    expect(tcp).toMatch(/^kubectl -n ns-x exec a -c agent -- node -e '.*require\("net"\)\.connect\(\{host:"10\.244\.2\.16",port:9000\}\).*'$/);
    const udp = reproduceProbe({ ...base, port: { protocol: 'UDP', port: 9001, name: 'serve-9001-udp' } });
    expect(udp).toContain('s.send("netpol",9001,"10.244.2.16")');
    expect(udp).not.toMatch(/'.*'.*'/);
  });
});
