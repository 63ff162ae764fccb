// Wire types shared by the agent and the runner that calls it through the pod proxy.
// Every change visible on the wire bumps API_VERSION.

export const API_VERSION = 'shakedown.probe/v3';
export const AGENT_VERSION = '0.5.0';

export const MAX_TARGETS = 2000;
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_CONCURRENCY = 64;
export const MAX_CONCURRENCY = 256;
export const MAX_PAYLOAD_CHARS = 1024;
/** The largest bulk line over TCP (`size`): below the TCP echo's longest line. */
export const MAX_TCP_SIZE = 65_000;
/** The largest UDP datagram over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
export const MAX_UDP_SIZE = 65_507;

/**
 * How a probe ended: the classification the reports show. The set is closed and the strings are stable.
 * A target the agent refuses to probe (a loopback, link-local or cloud metadata address, see
 * destinations.ts) ends in `error` with the code AGENT_TARGET_REFUSED and the reason as its detail:
 * never `refused`, which says a peer refused the connection.
 */
export type Outcome = 'ok' | 'refused' | 'timeout' | 'reset' | 'unreachable' | 'dns-error' | 'tls-error' | 'http-status' | 'protocol-error' | 'error';

/**
 * Allowances a DNS target may name for a server the agent otherwise refuses (API v3):
 * 'pod-nameserver': the server is one of the nameservers of the agent's pod (its /etc/resolv.conf),
 * asked on port 53; the agent checks that it is. A NodeLocal DNSCache puts the pods' nameserver on a
 * link-local address (169.254.20.10), a DNS sidecar on 127.0.0.1.
 */
export const DNS_ALLOWANCES = ['pod-nameserver'] as const;
export type DnsAllowance = (typeof DNS_ALLOWANCES)[number];

export const DNS_QUERY_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'DNAME', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SRV', 'TXT'] as const;
export type DnsQueryType = (typeof DNS_QUERY_TYPES)[number];

interface TargetBase {
  /** Chosen by the caller and copied into the result. */
  id: string;
  timeoutMs: number;
}

export interface HttpTarget extends TargetBase {
  kind: 'http';
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as the Host header and, for https, as the TLS server name. */
  hostHeader?: string;
  tlsInsecure?: boolean;
}

/**
 * Sends `payload` as one line and expects the agent's echo `POD|payload`.
 * With `size`: a bulk line of `size` bytes (`payload|#` padded with dots, see echo-line.ts) that the
 * echo answers with a short `POD|payload|#BYTES`, so the large data flows one way only (to the target).
 */
export interface TcpTarget extends TargetBase {
  kind: 'tcp';
  host: string;
  port: number;
  payload?: string;
  size?: number;
  /** The handshake only: `ok` once connected, nothing sent (a port that is not an agent echo, e.g. a kubelet's). */
  connectOnly?: boolean;
}

/**
 * Sends `payload` as one datagram and expects the agent's echo `POD|payload`.
 * With `size`: one datagram of exactly `size` bytes (a bulk message), answered with a short
 * `POD|payload|#BYTES`. The kernel sets DF on a datagram that fits the path MTU it knows, so a
 * datagram of the interface MTU - 28 that vanishes on the way shows a smaller link.
 */
export interface UdpTarget extends TargetBase {
  kind: 'udp';
  host: string;
  port: number;
  payload?: string;
  size?: number;
}

export interface DnsTarget extends TargetBase {
  kind: 'dns';
  server: string;
  port?: number;
  name: string;
  type: DnsQueryType;
  transport: 'udp' | 'tcp';
  /** Defaults to true. */
  recursionDesired?: boolean;
  /** Over UDP: a truncated answer (TC) is asked again over TCP, as a resolver does. Defaults to false. */
  tcpOnTruncation?: boolean;
  /** The EDNS0 UDP payload size to advertise (512-65535); absent, no EDNS0: UDP answers stop at 512 bytes. */
  udpSize?: number;
  /** Lets `server` be a refused address when the allowance covers it (DNS_ALLOWANCES). */
  allow?: DnsAllowance;
}

/**
 * A TLS handshake only: no request, no credentials, the peer not verified (the runner verifies the
 * chain against the CA that should trust it). `servername` is sent as SNI when given.
 */
export interface TlsTarget extends TargetBase {
  kind: 'tls';
  host: string;
  port: number;
  servername?: string;
}

export type ProbeTarget = HttpTarget | TcpTarget | UdpTarget | DnsTarget | TlsTarget;
export type ProbeKind = ProbeTarget['kind'];

export interface ProbeRequest {
  apiVersion: typeof API_VERSION;
  concurrency?: number;
  targets: ProbeTarget[];
}

/** Who answered: the identity every echo and response carries. */
export interface Identity {
  pod: string;
  namespace: string;
  node: string;
  podIP: string;
}

/** The JSON body every HTTP echo port answers with. */
export interface EchoBody extends Identity {
  port: number;
  clientIP: string;
  clientPort: number;
  method: string;
  /** Raw request target, query string included. */
  path: string;
  host: string;
  headers: Record<string, string>;
}

export interface HttpData {
  status: number;
  headers: Record<string, string>;
  /** Present when the body is an agent echo. */
  echo?: EchoBody;
  /** The start of the body when it is not an agent echo. */
  body?: string;
}

/** A TCP or UDP echo line, split into the pod that answered and the text it echoed. */
export interface EchoReply {
  pod: string;
  text: string;
}

export interface DnsFlags {
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
}

export interface DnsAnswer {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export interface DnsData {
  rcode: string;
  flags: DnsFlags;
  answers: DnsAnswer[];
  /** Bytes of the answer message. */
  size?: number;
  /** Set when this answer came over TCP after a truncated UDP answer (tcpOnTruncation). */
  truncatedOverUdp?: { ms: number; answers: number };
}

/** What a TLS handshake saw: the peer's chain, leaf first, each certificate DER in base64. */
export interface TlsData {
  chain: string[];
  protocol?: string;
  cipher?: string;
}

export interface ProbeResult {
  id: string;
  kind: ProbeKind;
  outcome: Outcome;
  /** Milliseconds from the start of the probe to its outcome. */
  ms: number;
  /** One line a human can read in a report. */
  detail: string;
  /** The errno or library code behind a failure, e.g. ECONNREFUSED. */
  code?: string;
  http?: HttpData;
  reply?: EchoReply;
  dns?: DnsData;
  tls?: TlsData;
}

export interface ProbeResponse {
  apiVersion: typeof API_VERSION;
  pod: string;
  node: string;
  results: ProbeResult[];
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
  /** Why the file could not be read, when it could not. */
  error?: string;
}

export interface AgentPorts {
  api: number;
  http: number[];
  tcp: number;
  udp: number;
}

/** The interface the pod's default route uses, and its MTU as the pod sees it. */
export interface InterfaceMtu {
  interface: string;
  mtu?: number;
  /** Why it could not be read, when it could not. */
  error?: string;
}

export interface InfoResponse extends Identity {
  apiVersion: typeof API_VERSION;
  version: string;
  ready: boolean;
  ports: AgentPorts;
  resolvConf: ResolvConf;
  /** The agent's clock (its node's) when it answered, in milliseconds since the epoch. */
  time?: number;
  /** The MTU of the pod's default-route interface (API v2). */
  mtu?: InterfaceMtu;
}

export interface ReadinessRequest {
  ready: boolean;
}

export interface ErrorResponse {
  error: string;
  /** The request field that was rejected, when one was. */
  field?: string;
}
