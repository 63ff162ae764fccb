// A command that sends one probe of a truth table by hand, from inside the source pod, without
// the agent's API: a TCP connect or a UDP datagram to the agent's echo port, printing what came back.
import type { ModelPort } from './model.ts';

export interface ReproduceSpec {
  namespace: string;
  pod: string;
  container: string;
  host: string;
  port: ModelPort;
  timeoutMs: number;
}

export function reproduceProbe(spec: ReproduceSpec): string {
  const host = JSON.stringify(spec.host);
  const script =
    spec.port.protocol === 'TCP'
      ? `const s=require("net").connect({host:${host},port:${spec.port.port}});s.setTimeout(${spec.timeoutMs});s.on("connect",()=>{console.log("connected");s.destroy()}).on("timeout",()=>{console.log("timeout");s.destroy()}).on("error",(e)=>console.log(e.code))`
      : `const s=require("dgram").createSocket(${host}.includes(":")?"udp6":"udp4");const t=setTimeout(()=>{console.log("no reply (timeout)");s.close()},${spec.timeoutMs});s.on("message",(m)=>{console.log("reply "+m);clearTimeout(t);s.close()});s.send("netpol",${spec.port.port},${host})`;
  return `kubectl -n ${spec.namespace} exec ${spec.pod} -c ${spec.container} -- node -e '${script}'`;
}
