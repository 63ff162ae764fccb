// The commands of the CLI and the engine settings each one reads; `run` also reads the options the
// suites declare in their manifests.
import type { SettingKey } from '../helpers/settings.ts';

// One flag as node:util parseArgs takes it, and what its value is (for --help and completion).
export type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string; expects?: string };

export interface CommandSpec {
  name: string;
  summary: string;
  keys: SettingKey[];
  // Takes the suites' options (flags, variables, config keys from their manifests).
  suiteOptions?: boolean;
  // A command whose arguments are files parses its own flags, with no variable or config key: these
  // (completion offers them; another command's unknown-flag message names this command).
  flags?: Record<string, OptionSpec>;
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    summary: 'run the suites against the cluster of the current kubeconfig context',
    keys: [
      'suites',
      'checks',
      'skipChecks',
      'waivers',
      'kubeconfig',
      'context',
      'junit',
      'junitProperties',
      'json',
      'html',
      'probeImage',
      'imagePullSecret',
      'keepOnFailure',
      'concurrency',
      'apiQps',
      'setupTimeout',
      'checkTimeout',
      'probeTimeout',
      'namespaceTtl',
      'transport',
      'verbose',
      'quiet',
      'profile',
      'baseline',
      'inCluster',
      'reportLog',
      'runRole',
      'runId',
      'failOn',
    ],
    suiteOptions: true,
  },
  {
    name: 'gate',
    summary: 'is it safe to upgrade to --target-version: the read-only gate suite (plus any read-only --suite)',
    keys: [
      'suites',
      'checks',
      'skipChecks',
      'waivers',
      'kubeconfig',
      'context',
      'junit',
      'junitProperties',
      'json',
      'failOn',
      'baseline',
      'concurrency',
      'apiQps',
      'checkTimeout',
      'verbose',
      'quiet',
    ],
    suiteOptions: true,
  },
  { name: 'diff', summary: 'compare two JSON reports (BEFORE.json AFTER.json): new failures, slower checks; exit 1 on a regression', keys: ['junit'] },
  {
    name: 'history',
    summary:
      'across JSON reports (files or directories of them), per check: outcomes by night, flips, pass rate, flaky checks, new failures, trends of measured figures',
    keys: [],
    flags: {
      html: { type: 'string', expects: 'a file path, or - for standard output' },
      json: { type: 'string', expects: 'a file path, or - for standard output' },
      'flaky-flips': { type: 'string', expects: 'a whole number from 0 to 1000' },
    },
  },
  {
    name: 'list',
    summary: 'list the suites and their checks (with --check and --skip-check: those they select)',
    keys: ['suites', 'checks', 'skipChecks', 'verbose'],
  },
  {
    name: 'cleanup',
    summary: 'delete namespaces that crashed runs left behind (expired ones; --all for every one of ours)',
    keys: ['kubeconfig', 'context', 'inCluster', 'all', 'runId', 'apiQps', 'verbose'],
  },
  {
    name: 'deploy',
    summary:
      'print (or --apply) a Job that runs shakedown inside the cluster with least-privilege RBAC; --wait: run it there, bring its reports back, remove it',
    keys: [
      'suites',
      'checks',
      'skipChecks',
      'kubeconfig',
      'context',
      'junit',
      'junitProperties',
      'json',
      'html',
      'image',
      'namespace',
      'apply',
      'wait',
      'jobTimeout',
      'sonobuoyPlugin',
      'probeImage',
      'failOn',
      'concurrency',
      'apiQps',
      'setupTimeout',
      'checkTimeout',
      'probeTimeout',
      'transport',
      'verbose',
    ],
    suiteOptions: true,
  },
  { name: 'images', summary: 'print every image a run uses, for mirroring', keys: ['suites', 'probeImage', 'context', 'verbose'] },
  { name: 'version', summary: "print shakedown's version, the commit it was built from when known, and the Node.js version (also --version)", keys: [] },
  { name: 'completion', summary: 'print a completion script: shakedown completion bash|zsh (source <(shakedown completion bash))', keys: [] },
];

export function findCommand(name: string | undefined): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
