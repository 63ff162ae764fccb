// A check context over a fake API for unit tests of a check's wiring: GET paths answer from a table
// (a function is asked each time; an absent path is a 404), /version answers the API server version
// given, agents answer probes through `probe`, and what the check says (log, evidence, note, skip, warn, fail) is kept in order.
import type { ProbeResult, ProbeTarget } from '../../../agent/protocol.ts';
import type { CheckContext } from '../../../helpers/engine/check.ts';
import type { ProbeAgent } from '../../../helpers/fleet/descriptor.ts';

export class Ended extends Error {}

export type Routes = Record<string, unknown>;

export interface FakeOptions {
  apiServer?: string;
  networkPlugin?: string;
  agents?: ProbeAgent[];
  probe?: (agent: ProbeAgent, targets: readonly ProbeTarget[]) => ProbeResult[];
}

export function fakeCheck(routes: Routes, options: FakeOptions = {}) {
  const said: string[] = [];
  const answer = (path: string): { status: number; text: string } => {
    if (!(path in routes)) return { status: 404, text: `no ${path}` };
    const route = routes[path];
    return { status: 200, text: JSON.stringify(typeof route === 'function' ? (route as () => unknown)() : route) };
  };
  const session = {
    connection: { send: async ({ path }: { path: string }) => answer(path) },
    clients: { version: { getCode: async () => ({ gitVersion: options.apiServer ?? 'v1.34.4' }) } },
  };
  const end = (kind: string) => (text: string) => {
    said.push(`${kind} ${text}`);
    throw new Ended(text);
  };
  const c = {
    signal: new AbortController().signal,
    run: {
      namespace: 'sd',
      fleet: { agents: options.agents ?? [] },
      ...(options.networkPlugin === undefined ? {} : { networkPlugin: { name: options.networkPlugin, evidence: [] } }),
    },
    cluster: async () => ({
      session,
      transport: { probe: async (agent: ProbeAgent, targets: ProbeTarget[]) => ({ results: (options.probe ?? (() => []))(agent, targets) }) },
    }),
    log: (text: string) => void said.push(`log ${text}`),
    evidence: (label: string | { label: string }) => void said.push(`evidence ${typeof label === 'string' ? label : label.label}`),
    note: (text: string) => void said.push(`note ${text}`),
    property: (name: string, value: string) => void said.push(`property ${name}=${value}`),
    skip: end('skip'),
    warn: end('warn'),
    fail: (_kind: string, text: string) => end('fail')(text),
  } as unknown as CheckContext;
  const run = async (check: (c: CheckContext) => Promise<void>): Promise<string[]> => {
    try {
      await check(c);
    } catch (error) {
      if (!(error instanceof Ended)) throw error;
    }
    return said;
  };
  return { c, said, run };
}
