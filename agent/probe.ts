// One entry point for every kind of target.
import { probeDns } from './probe-dns.ts';
import { probeHttp } from './probe-http.ts';
import { probeTcp } from './probe-tcp.ts';
import { probeTls } from './probe-tls.ts';
import { probeUdp } from './probe-udp.ts';
import type { ProbeContext } from './probe-scope.ts';
import type { ProbeResult, ProbeTarget } from './protocol.ts';

export type Prober = (target: ProbeTarget, context?: ProbeContext) => Promise<ProbeResult>;

export const runProbe: Prober = (target, context = {}) => {
  switch (target.kind) {
    case 'http':
      return probeHttp(target, context);
    case 'tcp':
      return probeTcp(target, context);
    case 'udp':
      return probeUdp(target, context);
    case 'dns':
      return probeDns(target, context);
    case 'tls':
      return probeTls(target, context);
  }
};
