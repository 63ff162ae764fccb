// One entry point for every kind of target.
import { probeDns } from './probe-dns.ts';
import { probeHttp } from './probe-http.ts';
import { probeTcp } from './probe-tcp.ts';
import { probeTls } from './probe-tls.ts';
import { probeUdp } from './probe-udp.ts';
import type { ProbeResult, ProbeTarget } from './protocol.ts';

export type Prober = (target: ProbeTarget) => Promise<ProbeResult>;

export const runProbe: Prober = (target) => {
  switch (target.kind) {
    case 'http':
      return probeHttp(target);
    case 'tcp':
      return probeTcp(target);
    case 'udp':
      return probeUdp(target);
    case 'dns':
      return probeDns(target);
    case 'tls':
      return probeTls(target);
  }
};
