// What a configuration check concludes: the plugin present or not (and why not), what was seen
// (said on a pass, and as evidence on a failure), and the mismatches, each one sentence naming
// both values. A judgement is data; the check turns it into pass, warn, fail or skip.
import { fail as failing, warn as warning, type Finding } from '../../../helpers/engine/findings.ts';

export type { Finding };

export interface Judgement {
  plugin: string;
  // Why the plugin is taken as absent: the check skips with this.
  absent?: string;
  seen: string[];
  findings: Finding[];
}

// A finding about the plugin's configuration, about one node when it names one.
export const fail = (text: string, node?: string): Finding => failing(text, node === undefined ? {} : { node });
export const warn = (text: string, node?: string): Finding => warning(text, node === undefined ? {} : { node });
