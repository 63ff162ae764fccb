// The resolver configuration the pod sees, for the DNS suite (ndots, search path, cluster DNS server).
import { readFile } from 'node:fs/promises';
import type { ResolvConf } from './protocol.ts';

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line
      .replace(/[#;].*/, '')
      .trim()
      .split(/\s+/);
    if (keyword === 'nameserver' && values[0] !== undefined) conf.nameservers.push(values[0]);
    // As in glibc, the last `search` or `domain` line wins.
    else if (keyword === 'search' || keyword === 'domain') conf.search = values;
    else if (keyword === 'options') conf.options.push(...values);
  }
  return conf;
}

export async function readResolvConf(path: string): Promise<ResolvConf> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch (error) {
    return { nameservers: [], search: [], options: [], error: error instanceof Error ? error.message : String(error) };
  }
}
