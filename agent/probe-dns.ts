// DNS prober: one query over UDP or over TCP (RFC 1035 4.2.2: a 2-byte length before each message).
// A truncated UDP answer is reported as it is (flags.tc) unless the target asks for what a resolver
// does (tcpOnTruncation): then the question is asked again over TCP within what is left of the
// timeout, and the TCP answer is the result, marked with what the truncated UDP answer was.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { answerFinding, encodeQuery } from './dns-wire.ts';
import { udpLookup } from './destinations.ts';
import { runProbeScope } from './probe-scope.ts';
import type { ProbeContext, ProbeScope } from './probe-scope.ts';
import type { DnsTarget, ProbeResult } from './protocol.ts';

const DNS_PORT = 53;

function overUdp(target: DnsTarget, scope: ProbeScope): void {
  const id = randomInt(0, 0x10000);
  const socket = createSocket({ type: isIPv6(target.server) ? 'udp6' : 'udp4', ...(scope.lookup === undefined ? {} : { lookup: udpLookup(scope.lookup) }) });
  scope.onEnd(() => socket.close());
  socket.on('error', (error) => scope.fail(error));
  socket.on('message', (message) => {
    // A late answer to an earlier query on a reused port is not ours: keep waiting.
    const finding = answerFinding(message, id);
    if (finding !== undefined) scope.finish(finding);
  });
  socket.on('connect', () => socket.send(encodeQuery(target, id)));
  socket.connect(target.port ?? DNS_PORT, target.server);
}

function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

function overTcp(target: DnsTarget, scope: ProbeScope): void {
  const id = randomInt(0, 0x10000);
  const socket = connect({ host: target.server, port: target.port ?? DNS_PORT, lookup: scope.lookup });
  scope.onEnd(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('connect', () => socket.write(frame(encodeQuery(target, id))));
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (received.length < 2) return;
    const end = 2 + received.readUInt16BE(0);
    if (received.length < end) return;
    const finding = answerFinding(received.subarray(2, end), id);
    scope.finish(finding ?? { outcome: 'protocol-error', detail: 'answer does not match the query id' });
  });
  socket.on('end', () => scope.finish({ outcome: 'protocol-error', detail: 'connection closed before a full answer' }));
  socket.on('error', (error) => scope.fail(error));
}

function once(target: DnsTarget, context: ProbeContext): Promise<ProbeResult> {
  return runProbeScope(target, (scope) => (target.transport === 'udp' ? overUdp(target, scope) : overTcp(target, scope)), context);
}

export async function probeDns(target: DnsTarget, context: ProbeContext = {}): Promise<ProbeResult> {
  const first = await once(target, context);
  if (target.transport !== 'udp' || target.tcpOnTruncation !== true || first.dns?.flags.tc !== true) return first;
  const truncated = { ms: first.ms, answers: first.dns.answers.filter((a) => a.type !== 'OPT').length };
  const left = Math.max(1, Math.round(target.timeoutMs - first.ms));
  const retried = await once({ ...target, transport: 'tcp', timeoutMs: left }, context);
  const ms = Math.round((first.ms + retried.ms) * 1000) / 1000;
  const before = `truncated over UDP (${truncated.answers} answers, ${Math.round(first.ms)}ms), then over TCP`;
  if (retried.dns === undefined) return { ...retried, ms, detail: `${before}: ${retried.detail}` };
  return { ...retried, ms, detail: `${before}: ${retried.detail}`, dns: { ...retried.dns, truncatedOverUdp: truncated } };
}
