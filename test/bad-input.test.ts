// Bad input that must not mislead (issue 21): every row is an invocation of the shakedown CLI that
// has to fail with exit 2 and one error line (plus its hint line, the format of formatError) that
// names the flag, the variable or the file and key, and says what is allowed; no stack trace,
// nothing on stdout, nothing written beside the inputs, no connection to the API server, and
// within 3 s (on a machine at rest: the bound grows with the load other jobs put on its cores,
// so that a busy CI machine does not fail a row for what it cannot control). Every row runs in-process through main() with a recording CliIo (main reads only
// its CliIo: argv, env, cwd, home); the rows marked `child` run again as a user runs them, in a
// child process (cli/shakedown.ts), two at a time.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../cli/main.ts';
import { fakeKubeconfig } from '../helpers/kube/testing/fake-apiserver.ts';
import { CLI } from './cli-child.ts';

const DIR = Symbol('a directory');
const FIFO = Symbol('a FIFO');
type Input = string | typeof DIR | typeof FIFO;

interface Row {
  argv: string[];
  env?: Record<string, string>;
  // Created in the case's own directory (its working directory and HOME); "{dir}" in argv, env
  // and the expected line stands for that directory.
  files?: Record<string, Input>;
  // A fragment of the error line (after "error SD_...: "), and its code when it matters.
  line: string;
  code?: 'SD_BAD_FLAG' | 'SD_CONFIG_INVALID' | 'SD_KUBECONFIG_INVALID';
  // Also run as a child process.
  child?: true;
}

const run = (overrides: Record<string, unknown> = {}) => ({
  runId: 'sd-20260101-abcdef',
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:01:00Z',
  cluster: { server: null, version: 'v1.34.4', nodes: 2, context: 'c' },
  properties: {},
  ...overrides,
});
const result = (overrides: Record<string, unknown> = {}) => ({
  suite: 'smoke',
  check: 'x',
  status: 'pass',
  message: 'ok',
  durationMs: 100,
  evidence: [],
  ...overrides,
});
const report = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    schemaVersion: 'shakedown.report/v2',
    complete: true,
    run: run(),
    summary: { passed: 1, warned: 0, failed: 0, skipped: 0 },
    errors: [],
    results: [result()],
    correlations: [],
    ...overrides,
  });
const GOOD = report();
const withGood = (name: string, content: Input): Record<string, Input> => ({ 'good.json': GOOD, [name]: content });
const config = (json: string): Record<string, Input> => ({ 'c.json': json });
const RUN_ID = 'sd-20250304-abcd01';

const COMMANDS_AND_ARGUMENTS: Row[] = [
  { argv: ['launch'], line: 'unknown command "launch"; commands: run, gate, diff, history, deploy, list, cleanup, images', child: true },
  { argv: ['RUN'], line: 'unknown command "RUN"; commands: run, gate, diff, history, deploy, list, cleanup, images; did you mean run?' },
  { argv: ['--verbose', 'run'], line: '"--verbose" is not a command: flags go after the command (shakedown COMMAND [flags])', child: true },
  { argv: [''], line: 'unknown command ""' },
  { argv: ['help', 'launch'], line: 'unknown command "launch"' },
  { argv: ['help', 'run', 'gate'], line: 'shakedown help takes at most one command, got 2 arguments' },
  { argv: ['run', 'extra'], line: 'unexpected argument "extra" for `shakedown run` (it takes flags only)', child: true },
  { argv: ['list', '--', 'x'], line: 'unexpected argument "x" for `shakedown list` (it takes flags only)' },
  { argv: ['images', '-'], line: 'unexpected argument "-" for `shakedown images` (it takes flags only)' },
  { argv: ['cleanup', RUN_ID], line: `unexpected argument "${RUN_ID}" for \`shakedown cleanup\` (it takes flags only)` },
];

const FLAG_SYNTAX: Row[] = [
  { argv: ['run', '--bogus'], line: 'unknown flag --bogus for `shakedown run`', child: true },
  { argv: ['run', '--verbos'], line: 'unknown flag --verbos for `shakedown run`; did you mean --verbose?' },
  { argv: ['run', '--Verbose'], line: 'unknown flag --Verbose for `shakedown run`; did you mean --verbose?' },
  { argv: ['gate', '--profile', 'quick', '--target-version', '1.35'], line: 'unknown flag --profile for `shakedown gate` (it is a flag of `shakedown run`)' },
  { argv: ['run', '--wait'], line: 'unknown flag --wait for `shakedown run` (it is a flag of `shakedown deploy`)' },
  {
    argv: ['list', '--netpol-bound', '5s'],
    line: 'unknown flag --netpol-bound for `shakedown list` (it is a flag of `shakedown run`, `shakedown gate`, `shakedown deploy`)',
  },
  { argv: ['cleanup', '--suite', 'dns'], line: 'unknown flag --suite for `shakedown cleanup` (it is a flag of `shakedown run`,' },
  {
    argv: ['run', '--no-concurrency'],
    line: 'unknown flag --no-concurrency for `shakedown run`: --concurrency takes a value (an integer from 1 to 64), it cannot be turned off',
  },
  { argv: ['run', '-x'], line: 'unknown flag -x for `shakedown run`' },
  { argv: ['run', '-vx'], line: 'unknown flag -x in -vx for `shakedown run`' },
  { argv: ['run', '--api-qps'], line: '--api-qps needs a value (an integer from 1 to 1000)', child: true },
  {
    argv: ['run', '--api-qps', '--verbose'],
    line: '--api-qps needs a value (an integer from 1 to 1000), not the flag --verbose; write --api-qps=VALUE for a value that starts with a dash',
  },
  { argv: ['run', '--netpol-bound'], line: '--netpol-bound needs a value (a duration from 1s to 10m such as 30s)' },
  { argv: ['deploy', '--namespace'], line: '--namespace needs a value (a DNS-1123 label)' },
  { argv: ['run', '--config'], line: '--config needs a value (a JSON file of settings)' },
  {
    argv: ['run', '--keep-on-failure=false'],
    line: '--keep-on-failure takes no value (--keep-on-failure turns it on, --no-keep-on-failure off), got "--keep-on-failure=false"',
    child: true,
  },
  { argv: ['run', '--verbose=yes'], line: '--verbose takes no value (--verbose turns it on, --no-verbose off), got "--verbose=yes"' },
  { argv: ['run', '-v=1'], line: '-v takes no value (it is --verbose), got "-v=1"' },
  { argv: ['deploy', '--wait=true'], line: '--wait takes no value' },
  { argv: ['run', '--concurrency', '4', '--concurrency', '5'], line: '--concurrency is given twice ("4", then "5"); it takes one value', child: true },
  { argv: ['run', '--verbose', '--no-verbose'], line: '--verbose and --no-verbose contradict each other; give one' },
  { argv: ['deploy', '--namespace', 'a', '--namespace=b'], line: '--namespace is given twice ("a", then "b"); it takes one value' },
  { argv: ['run', '--config', 'a.json', '--config', 'b.json'], line: '--config is given twice ("a.json", then "b.json"); it takes one value' },
  { argv: ['cleanup', '--run', RUN_ID, '--run', 'sd-20250304-abcd02'], line: '--run is given twice' },
  {
    argv: ['run', '--profile', 'quick', '--profile', 'full', '--profile', 'quick'],
    line: '--profile is given 3 times ("quick", then "full", then "quick"); it takes one value',
  },
];

const FLAG_VALUES: Row[] = [
  {
    argv: ['run', '--suite', ''],
    line: '--suite must name at least one (lowercase letters, digits and dashes); leave it out for the default, got ""',
    child: true,
  },
  { argv: ['list', '--suite='], line: '--suite must name at least one' },
  { argv: ['run', '--suite', 'dns,'], line: '--suite has an empty name in "dns," (names are separated by commas)' },
  { argv: ['run', '--suite', 'DNS'], line: '--suite "DNS" is not a name (lowercase letters, digits and dashes)' },
  { argv: ['run', '--suite', 'nope'], line: '--suite names no suite: nope (suites: ' },
  { argv: ['run', '--netpol-bound', '-5s'], line: '--netpol-bound must be a positive duration from 1s to 10m, got -5s', child: true },
  { argv: ['run', '--netpol-bound=-5s'], line: '--netpol-bound must be a positive duration from 1s to 10m, got -5s' },
  { argv: ['run', '--api-qps', '-1'], line: '--api-qps must be an integer from 1 to 1000, got "-1"', child: true },
  { argv: ['run', '--api-qps=-1'], line: '--api-qps must be an integer from 1 to 1000, got "-1"' },
  { argv: ['run', '--api-qps', '0'], line: '--api-qps must be an integer from 1 to 1000, got "0"' },
  { argv: ['run', '--api-qps', '1001'], line: '--api-qps must be an integer from 1 to 1000, got "1001"' },
  { argv: ['run', '--concurrency', 'NaN'], line: '--concurrency must be an integer from 1 to 64, got "NaN"' },
  { argv: ['run', '--concurrency', '1e3'], line: '--concurrency must be an integer from 1 to 64, got "1e3"' },
  { argv: ['run', '--concurrency', '2.5'], line: '--concurrency must be an integer from 1 to 64, got "2.5"' },
  { argv: ['run', '--concurrency', ''], line: '--concurrency must be an integer from 1 to 64, got ""' },
  { argv: ['run', '--concurrency', '99999999999999999999'], line: '--concurrency must be an integer from 1 to 64, got "99999999999999999999"' },
  { argv: ['run', '--setup-timeout', '0s'], line: '--setup-timeout must be from 1s to 1h, got 0s' },
  { argv: ['run', '--check-timeout', '-1s'], line: '--check-timeout must be a positive duration from 1s to 1h, got -1s' },
  { argv: ['run', '--probe-timeout', '31s'], line: '--probe-timeout must be from 100ms to 30s, got 31s' },
  { argv: ['run', '--namespace-ttl', '1w'], line: '--namespace-ttl must be a duration such as 500ms, 30s, 2m or 1h, got "1w"' },
  { argv: ['run', '--setup-timeout', 'Infinity'], line: '--setup-timeout must be a duration such as 500ms, 30s, 2m or 1h, got "Infinity"' },
  { argv: ['run', '--setup-timeout', '99999999999999999999999d'], line: '--setup-timeout must be from 1s to 1h, got 99999999999999999999999d' },
  { argv: ['run', '--transport', 'PROXY'], line: '--transport must be one of auto, proxy, exec, got "PROXY"' },
  { argv: ['run', '--transport', ''], line: '--transport must be one of auto, proxy, exec, got ""' },
  { argv: ['run', '--profile', 'slow'], line: '--profile must be one of full, quick, got "slow"' },
  { argv: ['run', '--context', ''], line: '--context must not be empty' },
  { argv: ['run', '--context', 'a\nb'], line: '--context must be one line of text without control characters, got "a\\nb"', child: true },
  { argv: ['run', '--kubeconfig', ' '], line: '--kubeconfig must not be empty' },
  { argv: ['run', '--probe-image', 'x y'], line: '--probe-image must be an image reference such as HOST/PATH:TAG (lowercase path, no spaces), got "x y"' },
  {
    argv: ['images', '--probe-image', 'Node:24'],
    line: '--probe-image must be an image reference such as HOST/PATH:TAG (lowercase path, no spaces), got "Node:24"',
  },
  { argv: ['run', '--image-pull-secret', 'Reg_Cred'], line: '--image-pull-secret must be a DNS-1123 subdomain' },
  { argv: ['run', '--dns-queries', '5'], line: '--dns-queries must be an integer from 10 to 5000, got "5"' },
  { argv: ['run', '--dns-queries', '-10'], line: '--dns-queries must be an integer from 10 to 5000, got "-10"' },
  { argv: ['run', '--storage-data-mb', '513'], line: '--storage-data-mb must be an integer from 1 to 512, got "513"' },
  { argv: ['run', '--cert-warn-days', '-1'], line: '--cert-warn-days must be an integer from 0 to 3650, got "-1"' },
  { argv: ['run', '--storage-class', ''], line: '--storage-class must name at least one' },
  { argv: ['run', '--node-port-from-runner', 'maybe'], line: '--node-port-from-runner must be one of auto, on, off, got "maybe"' },
  { argv: ['run', '--egress-source', 'both'], line: '--egress-source must be one of auto, pod, node, got "both"' },
  { argv: ['run', '--egress-target', 'nope'], line: '--egress-target "nope" is not HOST:PORT[/NAME]' },
  {
    argv: ['run', '--suite', 'ingress', '--ingress-address', 'lb.example:99999'],
    line: '--ingress-address must be HOST, HOST:HTTP_PORT or HOST:HTTP_PORT:HTTPS_PORT (ports 1 to 65535, an IPv6 address in brackets), got "lb.example:99999"',
  },
  { argv: ['run', '--ingress-address', 'http://lb.example'], line: '--ingress-address must be HOST, HOST:HTTP_PORT or HOST:HTTP_PORT:HTTPS_PORT' },
  { argv: ['run', '--ingress-bound', '1s'], line: '--ingress-bound must be from 5s to 10m, got 1s' },
  { argv: ['run', '--control-plane-bound', 'soon'], line: '--control-plane-bound must be a duration such as 500ms, 30s, 2m or 1h, got "soon"' },
  { argv: ['run', '--cert-max-clock-skew', '-5s'], line: '--cert-max-clock-skew must be a positive duration from 100ms to 1h, got -5s' },
  {
    argv: ['run', '--suite', 'dns', '--netpol-bound', '45s'],
    line: '--netpol-bound is an option of suite netpol, which this run leaves out (it runs dns); add --suite netpol, or leave the flag out',
    child: true,
  },
  {
    argv: ['gate', '--target-version', '1.35', '--storage-bound', '30s'],
    line: '--storage-bound is an option of suite storage, which this run leaves out (it runs gate)',
  },
  { argv: ['run', '--suite', 'dns', '--netpol-bound', '0s'], line: '--netpol-bound must be from 1s to 10m, got 0s' },
  { argv: ['gate', '--target-version', 'latest'], line: '--target-version must be a Kubernetes version such as 1.35 or v1.35.0, got "latest"' },
  { argv: ['gate'], line: 'shakedown gate needs --target-version (e.g. --target-version 1.35)' },
  { argv: ['gate', '--target-version', '1.35', '--suite', 'dns'], line: 'shakedown gate runs read-only suites only; dns' },
  { argv: ['gate', '--target-version', '1.35', '--fail-on', 'error'], line: '--fail-on must be one of fail, warn, got "error"' },
  { argv: ['gate', '--target-version', '1.35', '--cert-runway-days', '0'], line: '--cert-runway-days must be an integer from 1 to 3650, got "0"' },
  { argv: ['run', '--baseline', 'missing.json'], line: 'cannot read the report {dir}/missing.json: no such file' },
  {
    argv: ['run', '--baseline', 'bad.json'],
    files: { 'bad.json': '{}' },
    line: '{dir}/bad.json is not a shakedown JSON report (no schemaVersion shakedown.report/...)',
  },
  { argv: ['run', '--report-log', '--baseline', 'good.json'], files: { 'good.json': GOOD }, line: '--report-log cannot be combined with --baseline' },
];

const DEPLOY_AND_CLEANUP: Row[] = [
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--namespace', 'Bad_NS!'],
    line: '--namespace must be a DNS-1123 label (at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit), got "Bad_NS!"',
    child: true,
  },
  { argv: ['deploy', '--namespace', 'a'.repeat(64)], line: '--namespace must be a DNS-1123 label' },
  { argv: ['deploy', '--namespace', 'ns-'], line: '--namespace must be a DNS-1123 label' },
  { argv: ['deploy', '--namespace', 'team.a'], line: '--namespace must be a DNS-1123 label' },
  { argv: ['deploy', '--image', 'x y'], line: '--image must be an image reference' },
  { argv: ['deploy', '--job-timeout', '0s'], line: '--job-timeout must be from 1m to 1d, got 0s' },
  { argv: ['deploy', '--job-timeout', '-1h'], line: '--job-timeout must be a positive duration from 1m to 1d, got -1h' },
  { argv: ['deploy', '--suite', 'nope'], line: '--suite names no suite: nope' },
  { argv: ['deploy', 'extra'], line: 'unexpected argument "extra" for `shakedown deploy`' },
  { argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--netpol-bound', '0s'], line: '--netpol-bound must be from 1s to 10m, got 0s' },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1'],
    env: { SHAKEDOWN_NAMESPACE: 'Bad' },
    line: 'SHAKEDOWN_NAMESPACE must be a DNS-1123 label',
    code: 'SD_CONFIG_INVALID',
  },
  { argv: ['deploy'], line: 'shakedown deploy needs --image REF' },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--junit', 'j.xml'],
    line: '--junit is written only with --wait (deploy brings the reports back when it follows the Job); add --wait, or leave it out',
    child: true,
  },
  { argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--apply', '--html', 'r.html'], line: '--html is written only with --wait' },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--suite', 'dns', '--storage-class', 'fast'],
    line: '--storage-class is an option of suite storage, which this run leaves out (it runs dns)',
  },
  {
    argv: ['cleanup', '--run', '../../x'],
    line: `--run must be a run id such as ${RUN_ID} (sd-, the UTC date, 6 lowercase hex digits), got "../../x"`,
    child: true,
  },
  { argv: ['cleanup', '--run', 'SD-20250304-ABCDEF'], line: '--run must be a run id such as' },
  { argv: ['cleanup', '--run', ''], line: '--run must be a run id such as' },
  { argv: ['cleanup', '--run', 'sd-20250304-abcd01,sd-20250304-abcd02'], line: '--run must be a run id such as' },
  {
    argv: ['cleanup', '--all', '--run', RUN_ID],
    line: '--all cannot be combined with --run: --run removes the namespaces of one run (expired or not), --all those of every run',
    child: true,
  },
  { argv: ['cleanup'], env: { SHAKEDOWN_RUN: 'x' }, line: 'SHAKEDOWN_RUN must be a run id such as', code: 'SD_CONFIG_INVALID' },
  { argv: ['cleanup', '--api-qps', '0'], line: '--api-qps must be an integer from 1 to 1000, got "0"' },
  { argv: ['cleanup', '--all=yes'], line: '--all takes no value' },
  {
    argv: ['cleanup', '--config', 'c.json'],
    files: config('{"runId": 5}'),
    line: '{dir}/c.json: key "runId" must be a run id string such as "sd-20250304-abcd01", got number',
    code: 'SD_CONFIG_INVALID',
  },
];

const ENVIRONMENT: Row[] = [
  {
    argv: ['run'],
    env: { SHAKEDOWN_CONCURRENCY: 'abc' },
    line: 'SHAKEDOWN_CONCURRENCY must be an integer from 1 to 64, got "abc"',
    code: 'SD_CONFIG_INVALID',
    child: true,
  },
  { argv: ['list'], env: { SHAKEDOWN_SUITES: ',' }, line: 'SHAKEDOWN_SUITES must name at least one', code: 'SD_CONFIG_INVALID' },
  { argv: ['list'], env: { SHAKEDOWN_SUITES: 'nope' }, line: 'SHAKEDOWN_SUITES names no suite: nope', code: 'SD_CONFIG_INVALID' },
  { argv: ['list'], env: { SHAKEDOWN_VERBOSE: 'maybe' }, line: 'SHAKEDOWN_VERBOSE must be true or false, got "maybe"', code: 'SD_CONFIG_INVALID' },
  { argv: ['run'], env: { SHAKEDOWN_TRANSPORT: 'carrier-pigeon' }, line: 'SHAKEDOWN_TRANSPORT must be one of auto, proxy, exec, got "carrier-pigeon"' },
  {
    argv: ['run', '--suite', 'netpol'],
    env: { SHAKEDOWN_NETPOL_BOUND: '-5s' },
    line: 'SHAKEDOWN_NETPOL_BOUND must be a positive duration from 1s to 10m, got -5s',
    code: 'SD_CONFIG_INVALID',
    child: true,
  },
  { argv: ['cleanup'], env: { SHAKEDOWN_API_QPS: '0' }, line: 'SHAKEDOWN_API_QPS must be an integer from 1 to 1000, got "0"' },
  { argv: ['images'], env: { SHAKEDOWN_CONTEXT: ' ' }, line: 'SHAKEDOWN_CONTEXT must not be empty' },
  { argv: ['run'], env: { SHAKEDOWN_PROFILE: 'slow' }, line: 'SHAKEDOWN_PROFILE must be one of full, quick, got "slow"' },
  { argv: ['images'], env: { SHAKEDOWN_PROBE_IMAGE: 'a b' }, line: 'SHAKEDOWN_PROBE_IMAGE must be an image reference' },
  { argv: ['cleanup', '--run', RUN_ID], env: { SHAKEDOWN_CLEANUP_ALL: '1' }, line: 'SHAKEDOWN_CLEANUP_ALL cannot be combined with --run' },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1'],
    env: { SHAKEDOWN_JOB_TIMEOUT: '30s' },
    line: 'SHAKEDOWN_JOB_TIMEOUT must be from 1m to 1d, got 30s',
  },
  { argv: ['gate'], env: { SHAKEDOWN_TARGET_VERSION: 'latest' }, line: 'SHAKEDOWN_TARGET_VERSION must be a Kubernetes version' },
  { argv: ['run'], env: { SHAKEDOWN_IMAGE_PULL_SECRET: 'a_b' }, line: 'SHAKEDOWN_IMAGE_PULL_SECRET must be a DNS-1123 subdomain' },
  {
    argv: ['run', '--suite', 'dns'],
    env: { SHAKEDOWN_NETPOL_BOUND: '0s' },
    line: 'SHAKEDOWN_NETPOL_BOUND must be from 1s to 10m, got 0s',
    code: 'SD_CONFIG_INVALID',
  },
  { argv: ['run'], env: { SHAKEDOWN_KEEP_ON_FAILURE: '2' }, line: 'SHAKEDOWN_KEEP_ON_FAILURE must be true or false, got "2"' },
  {
    argv: ['run', '--report-log'],
    env: { SHAKEDOWN_BASELINE: 'good.json' },
    files: { 'good.json': GOOD },
    line: '--report-log cannot be combined with SHAKEDOWN_BASELINE',
  },
  {
    argv: ['list'],
    env: { SHAKEDOWN_CONFIG: 'missing.json' },
    line: 'cannot read the config file {dir}/missing.json (from SHAKEDOWN_CONFIG): no such file',
    code: 'SD_CONFIG_INVALID',
  },
  { argv: ['list'], env: { SHAKEDOWN_CONFIG: ' ' }, line: 'SHAKEDOWN_CONFIG must name a file, got " "', code: 'SD_CONFIG_INVALID' },
];

const CONFIG_FILE: Row[] = [
  { argv: ['run', '--config', 'missing.json'], line: 'cannot read the config file {dir}/missing.json (from --config): no such file', child: true },
  {
    argv: ['run', '--config', 'conf.d'],
    files: { 'conf.d': DIR },
    line: 'cannot read the config file {dir}/conf.d (from --config): it is a directory',
    child: true,
  },
  {
    argv: ['run', '--config', 'fifo.json'],
    files: { 'fifo.json': FIFO },
    line: 'cannot read the config file {dir}/fifo.json (from --config): it is not a regular file (a FIFO, socket or device)',
    child: true,
  },
  { argv: ['run', '--config', ''], line: '--config must name a file, got ""', code: 'SD_BAD_FLAG' },
  { argv: ['run', '--config', 'c.json'], files: config('{"concurrency": 4,}'), line: '{dir}/c.json is not valid JSON: ', child: true },
  { argv: ['run', '--config', 'c.json'], files: config(''), line: '{dir}/c.json is not valid JSON: it is empty' },
  { argv: ['run', '--config', 'c.json'], files: config('{\n  "concurrency": x\n}\n'), line: '{dir}/c.json is not valid JSON: ' },
  { argv: ['run', '--config', 'c.json'], files: config('[]'), line: '{dir}/c.json must hold a JSON object of settings' },
  { argv: ['run', '--config', 'c.json'], files: config('null'), line: '{dir}/c.json must hold a JSON object of settings' },
  { argv: ['run', '--config', 'c.json'], files: config('{"probeimage": "x"}'), line: '{dir}/c.json: key "probeimage" is not a setting', child: true },
  { argv: ['run', '--config', 'c.json'], files: config('{"config": "other.json"}'), line: '{dir}/c.json: key "config" is not a setting' },
  { argv: ['run', '--config', 'c.json'], files: config('{"concurrency": "4"}'), line: '{dir}/c.json: key "concurrency" must be a number, got string "4"' },
  { argv: ['run', '--config', 'c.json'], files: config('{"concurrency": null}'), line: '{dir}/c.json: key "concurrency" must be a number, got null' },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"concurrency": 4.5}'),
    line: '{dir}/c.json: key "concurrency" must be an integer from 1 to 64, got 4.5',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"concurrency": 1e999}'),
    line: '{dir}/c.json: key "concurrency" must be an integer from 1 to 64, got Infinity',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"concurrency": 4, "concurrency": 5}'),
    line: '{dir}/c.json: key "concurrency" is given twice',
    child: true,
  },
  { argv: ['run', '--config', 'c.json'], files: config('{"suites": "dns"}'), line: '{dir}/c.json: key "suites" must be an array of strings, got string "dns"' },
  { argv: ['run', '--config', 'c.json'], files: config('{"suites": []}'), line: '{dir}/c.json: key "suites" must name at least one' },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"suites": ["dns", 5]}'),
    line: '{dir}/c.json: key "suites" must be an array of strings, got number 5 at index 1',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"setupTimeout": 30}'),
    line: '{dir}/c.json: key "setupTimeout" must be a duration string such as "30s", got number 30',
  },
  { argv: ['run', '--config', 'c.json'], files: config('{"verbose": "true"}'), line: '{dir}/c.json: key "verbose" must be true or false, got string "true"' },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"netpolBound": "-5s"}'),
    line: '{dir}/c.json: key "netpolBound" must be a positive duration from 1s to 10m, got -5s',
  },
  { argv: ['deploy', '--config', 'c.json'], files: config('{"namespace": "Bad_NS"}'), line: '{dir}/c.json: key "namespace" must be a DNS-1123 label' },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"$schema": 5}'),
    line: '{dir}/c.json: key "$schema" must be a string (the schema\'s URL), got number',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"transport": "carrier-pigeon"}'),
    line: '{dir}/c.json: key "transport" must be one of auto, proxy, exec, got "carrier-pigeon"',
  },
  { argv: ['run', '--config', 'c.json'], files: config('{"dnsQueries": 1}'), line: '{dir}/c.json: key "dnsQueries" must be an integer from 10 to 5000, got 1' },
  { argv: ['run', '--config', 'c.json'], files: config('{"kubeconfig": ""}'), line: '{dir}/c.json: key "kubeconfig" must not be empty' },
  {
    argv: ['gate', '--config', 'c.json'],
    files: config('{"targetVersion": 1.35}'),
    line: '{dir}/c.json: key "targetVersion" must be a string such as "1.35", got number',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config(`{"context": "${' '.repeat(1024 * 1024)}"}`),
    line: 'cannot read the config file {dir}/c.json (from --config): it is 1048591 bytes; a config file is at most 1048576',
  },
  {
    argv: ['run', '--suite', 'smoke', '--config', 'c.json'],
    files: config('{"storageBound": "1s"}'),
    line: '{dir}/c.json: key "storageBound" must be from 5s to 10m, got 1s',
  },
  {
    argv: ['list', '--config', 'c.json'],
    files: config('{"suites": ["nope"]}'),
    line: '{dir}/c.json: key "suites" names no suite: nope',
    code: 'SD_CONFIG_INVALID',
  },
];

const DIFF_INPUT: Row[] = [
  { argv: ['diff'], line: 'shakedown diff takes two reports, BEFORE.json and AFTER.json (got 0)', child: true },
  { argv: ['diff', 'a.json'], line: 'shakedown diff takes two reports, BEFORE.json and AFTER.json (got 1)' },
  { argv: ['diff', 'a.json', 'b.json', 'c.json'], line: 'shakedown diff takes two reports, BEFORE.json and AFTER.json (got 3: "a.json" "b.json" "c.json")' },
  { argv: ['diff', 'good.json', ''], files: { 'good.json': GOOD }, line: 'shakedown diff takes two report files; "" is not a file name' },
  {
    argv: ['diff', 'good.json', 'missing.json'],
    files: { 'good.json': GOOD },
    line: 'cannot read the report {dir}/missing.json (AFTER): no such file',
    child: true,
  },
  { argv: ['diff', 'empty.json', 'good.json'], files: withGood('empty.json', ''), line: '{dir}/empty.json (BEFORE) is empty, not a JSON report' },
  { argv: ['diff', 'good.json', 'text.json'], files: withGood('text.json', 'not json\n'), line: '{dir}/text.json (AFTER) is not JSON: ' },
  {
    argv: ['diff', 'good.json', 'array.json'],
    files: withGood('array.json', '[]'),
    line: '{dir}/array.json (AFTER) is not a shakedown JSON report: it holds an array',
  },
  {
    argv: ['diff', 'good.json', 'other.json'],
    files: withGood('other.json', '{"results": []}'),
    line: '{dir}/other.json (AFTER) is not a shakedown JSON report (no schemaVersion shakedown.report/...)',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: null })),
    line: '{dir}/r.json (AFTER): results must be an array, got null',
    child: true,
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [null] })),
    line: '{dir}/r.json (AFTER): results[0] must be an object, got null',
  },
  {
    argv: ['diff', 'r.json', 'good.json'],
    files: withGood('r.json', report().replace('"durationMs":100', '"durationMs":1e999')),
    line: '{dir}/r.json (BEFORE): results[0].durationMs must be a finite number of milliseconds, at least 0, got Infinity',
    child: true,
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ durationMs: -5 })] })),
    line: '{dir}/r.json (AFTER): results[0].durationMs must be a finite number of milliseconds, at least 0, got -5',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ durationMs: '100' })] })),
    line: 'results[0].durationMs must be a finite number of milliseconds, at least 0, got string',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ status: 'fail' })] })),
    line: '{dir}/r.json (AFTER): results[0].classification is missing',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ status: 'skip' })] })),
    line: '{dir}/r.json (AFTER): results[0].skipReason is missing',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ status: 'broken' })] })),
    line: 'results[0].status must be one of pass, warn, fail, skip, got "broken"',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ suite: 7 })] })),
    line: 'results[0].suite must be a string, got number',
  },
  { argv: ['diff', 'good.json', 'r.json'], files: withGood('r.json', report({ run: null })), line: '{dir}/r.json (AFTER): run must be an object, got null' },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ run: run({ cluster: null }) })),
    line: '{dir}/r.json (AFTER): run.cluster must be an object, got null',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ run: run({ properties: { a: 1 } }) })),
    line: '{dir}/r.json (AFTER): run.properties.a must be a string, got number',
  },
  {
    argv: ['diff', 'good.json', 'r.json'],
    files: withGood('r.json', report({ schemaVersion: 'shakedown.report/v9' })),
    line: '{dir}/r.json (AFTER) is a shakedown.report/v9 report; this shakedown reads shakedown.report/v1 and shakedown.report/v2',
  },
  { argv: ['diff', 'good.json', 'reports'], files: withGood('reports', DIR), line: 'cannot read the report {dir}/reports (AFTER): it is a directory' },
  {
    argv: ['diff', 'good.json', 'fifo.json'],
    files: withGood('fifo.json', FIFO),
    line: 'cannot read the report {dir}/fifo.json (AFTER): it is not a regular file (a FIFO, socket or device)',
    child: true,
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-ratio', '-1'],
    files: { 'good.json': GOOD },
    line: '--timing-ratio must be a number from 1 to 1000, got "-1"',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-ratio', '0.5'],
    files: { 'good.json': GOOD },
    line: '--timing-ratio must be a number from 1 to 1000, got "0.5"',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-ratio', 'Infinity'],
    files: { 'good.json': GOOD },
    line: '--timing-ratio must be a number from 1 to 1000, got "Infinity"',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-floor', ''],
    files: { 'good.json': GOOD },
    line: '--timing-floor must be a number from 0 to 86400, got ""',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-floor', '1e3'],
    files: { 'good.json': GOOD },
    line: '--timing-floor must be a number from 0 to 86400, got "1e3"',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--timing-ratio', '2', '--timing-ratio', '3'],
    files: { 'good.json': GOOD },
    line: '--timing-ratio is given twice ("2", then "3"); it takes one value',
  },
  { argv: ['diff', 'good.json', 'good.json', '--timing-ratio'], files: { 'good.json': GOOD }, line: '--timing-ratio needs a value (a number from 1 to 1000)' },
  { argv: ['diff', 'good.json', 'good.json', '--junit', ''], files: { 'good.json': GOOD }, line: '--junit must not be empty' },
  {
    argv: ['diff', 'good.json', 'good.json', '--junit', 'no/such/dir/d.xml'],
    files: { 'good.json': GOOD },
    line: '--junit {dir}/no/such/dir/d.xml: the directory {dir}/no/such/dir does not exist',
  },
  {
    argv: ['diff', 'good.json', 'good.json', '--junit', '-'],
    files: { 'good.json': GOOD },
    line: '--junit -: the diff itself goes to standard output; give --junit a file',
  },
  { argv: ['diff', 'good.json', 'good.json', '--junit', 'good.json/d.xml'], files: { 'good.json': GOOD }, line: '--junit {dir}/good.json/d.xml: ' },
  {
    argv: ['diff', '--config', 'c.json', 'good.json', 'good.json'],
    files: { 'good.json': GOOD },
    line: 'unknown flag --config for `shakedown diff` (it is a flag of `shakedown run`,',
  },
  { argv: ['diff', 'good.json', 'good.json', '--verbose'], files: { 'good.json': GOOD }, line: 'unknown flag --verbose for `shakedown diff`' },
];

// shakedown history: reports that cannot be read (named, whether given or found in a directory),
// its flags, and outputs that would land on an input or on each other.
const HISTORY_INPUT: Row[] = [
  { argv: ['history'], line: 'shakedown history takes the reports to read: JSON report files or directories of them (got none)', child: true },
  { argv: ['history', 'good.json', ''], files: { 'good.json': GOOD }, line: 'shakedown history takes report files and directories; "" is not a file name' },
  {
    argv: ['history', 'good.json', 'missing.json'],
    files: { 'good.json': GOOD },
    line: 'cannot read the report {dir}/missing.json: no such file',
    child: true,
  },
  { argv: ['history', 'good.json', 'text.json'], files: withGood('text.json', 'not json\n'), line: '{dir}/text.json is not JSON: ' },
  {
    argv: ['history', 'good.json', 'other.json'],
    files: withGood('other.json', '{"results": []}'),
    line: '{dir}/other.json is not a shakedown JSON report (no schemaVersion shakedown.report/...)',
    child: true,
  },
  {
    argv: ['history', 'good.json', 'r.json'],
    files: withGood('r.json', report({ schemaVersion: 'shakedown.report/v9' })),
    line: '{dir}/r.json is a shakedown.report/v9 report; this shakedown reads shakedown.report/v1 and shakedown.report/v2',
    child: true,
  },
  {
    argv: ['history', 'good.json', 'r.json'],
    files: withGood('r.json', report({ run: run({ startedAt: 'yesterday' }) })),
    line: '{dir}/r.json: run.startedAt must be a date and time (ISO 8601, as shakedown writes it), got "yesterday"',
  },
  {
    argv: ['history', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ status: 'fail', classification: 'timeout', waiver: 'yes' })] })),
    line: '{dir}/r.json: results[0].waiver must ',
  },
  {
    argv: ['history', 'good.json', 'r.json'],
    files: withGood('r.json', report({ results: [result({ durationMs: -5 })] })),
    line: '{dir}/r.json: results[0].durationMs must be a finite number of milliseconds, at least 0, got -5',
  },
  {
    argv: ['history', 'good.json', 'h.json'],
    files: withGood('h.json', '{"schemaVersion": "shakedown.history/v1"}'),
    line: '{dir}/h.json is a shakedown.history/v1 (what shakedown history writes), not a report: give the reports it was made from',
  },
  {
    argv: ['history', 'good.json', 'fifo.json'],
    files: withGood('fifo.json', FIFO),
    line: 'cannot read the report {dir}/fifo.json: it is not a regular file (a FIFO, socket or device)',
    child: true,
  },
  {
    argv: ['history', 'nights'],
    files: { nights: DIR, 'nights/a.json': GOOD, 'nights/b.json': '[]' },
    line: '{dir}/nights/b.json is not a shakedown JSON report: it holds an array',
    child: true,
  },
  {
    argv: ['history', 'nights'],
    files: { nights: DIR, 'nights/sub': DIR, 'nights/a.txt': 'x' },
    line: 'the directory {dir}/nights holds no *.json file (its subdirectories are not read)',
  },
  {
    argv: ['history', 'nights'],
    files: { nights: DIR, 'nights/h.json': '{"schemaVersion": "shakedown.history/v1"}' },
    line: 'no report to make a history of: "nights" holds no shakedown JSON report',
  },
  {
    argv: ['history', 'good.json', '--flaky-flips', '-1'],
    files: { 'good.json': GOOD },
    line: '--flaky-flips must be a whole number from 0 to 1000, got "-1"',
  },
  {
    argv: ['history', 'good.json', '--flaky-flips', '1.5'],
    files: { 'good.json': GOOD },
    line: '--flaky-flips must be a whole number from 0 to 1000, got "1.5"',
  },
  {
    argv: ['history', 'good.json', '--flaky-flips', '1001'],
    files: { 'good.json': GOOD },
    line: '--flaky-flips must be a whole number from 0 to 1000, got "1001"',
  },
  { argv: ['history', 'good.json', '--flaky-flips'], files: { 'good.json': GOOD }, line: '--flaky-flips needs a value (a whole number from 0 to 1000)' },
  { argv: ['history', 'good.json', '--html', ''], files: { 'good.json': GOOD }, line: '--html must not be empty' },
  {
    argv: ['history', 'good.json', '--json', 'no/such/dir/h.json'],
    files: { 'good.json': GOOD },
    line: '--json {dir}/no/such/dir/h.json: the directory {dir}/no/such/dir does not exist',
    child: true,
  },
  { argv: ['history', 'good.json', '--html', 'out'], files: { 'good.json': GOOD, out: DIR }, line: '--html {dir}/out: is a directory; name a file in it' },
  {
    argv: ['history', 'good.json', '--html', '-', '--json', '-'],
    files: { 'good.json': GOOD },
    line: '--html and --json are both - (standard output): only one can go there',
  },
  {
    argv: ['history', 'good.json', '--html', 'h.out', '--json', 'h.out'],
    files: { 'good.json': GOOD },
    line: '--html and --json both write {dir}/h.out: one would replace the other',
  },
  {
    argv: ['history', '.', '--json', 'good.json'],
    files: { 'good.json': GOOD },
    line: '--json {dir}/good.json is one of the reports read: give the history a file of its own',
  },
  { argv: ['history', 'good.json', '--verbose'], files: { 'good.json': GOOD }, line: 'unknown flag --verbose for `shakedown history`' },
  {
    argv: ['history', 'good.json', '--junit', 'j.xml'],
    files: { 'good.json': GOOD },
    line: 'unknown flag --junit for `shakedown history` (it is a flag of `shakedown run`, `shakedown gate`, `shakedown diff`, `shakedown deploy`)',
  },
  { argv: ['run', '--flaky-flips', '3'], line: 'unknown flag --flaky-flips for `shakedown run` (it is a flag of `shakedown history`)' },
];

// Report paths, the kubeconfig and deploy's namespace: each refused before anything touches the
// cluster or a report is written (reports/report-path.ts, helpers/kube/kubeconfig-check.ts, cli/deploy.ts).
const PATHS_AND_CLUSTERS: Row[] = [
  { argv: ['run', '--suite', 'smoke', '--junit', '/proc/x/j.xml'], line: '--junit /proc/x/j.xml: is under /proc' },
  {
    argv: ['run', '--suite', 'smoke', '--junit', 'no/such/dir/j.xml'],
    line: '--junit {dir}/no/such/dir/j.xml: the directory {dir}/no/such/dir does not exist',
  },
  { argv: ['run', '--suite', 'smoke', '--html', 'out'], files: { out: DIR }, line: '--html {dir}/out: is a directory' },
  { argv: ['run', '--suite', 'smoke', '--json', '-', '--junit', '-'], line: '--junit and --json are both - (standard output)' },
  {
    argv: ['run', '--suite', 'smoke', '--kubeconfig', 'k'],
    files: { k: fakeKubeconfig('ftp://127.0.0.1:1') },
    line: 'uses the scheme ftp',
    code: 'SD_KUBECONFIG_INVALID',
    child: true,
  },
  {
    argv: ['run', '--suite', 'smoke', '--kubeconfig', 'k'],
    files: { k: 'apiVersion: v1\nkind: Config\nclusters: 5\n' },
    line: 'kubeconfig {dir}/k',
    code: 'SD_KUBECONFIG_INVALID',
  },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--namespace', 'kube-system'],
    line: '--namespace kube-system: deploy makes a namespace of its own and never takes over default or kube-*',
    child: true,
  },
  {
    argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--namespace', 'default'],
    line: '--namespace default: deploy makes a namespace of its own and never takes over default or kube-*',
  },
];

// Check selection (--check, --skip-check) and the waivers file (--waivers): a pattern that matches
// nothing is named with the nearest ids, a bad waivers file with the line of the problem.
const WAIVERS_ENTRY = '  - check: dns/*\n    reason: known\n    until: 2027-03-31\n';
const waivers = (text: string, name = 'w.yaml'): Record<string, Input> => ({ [name]: text });
const SELECTION_AND_WAIVERS: Row[] = [
  {
    argv: ['run', '--check', 'dsn/*'],
    line: '--check "dsn/*" matches no check; nearest: "dns/CoreDNS replicas are ready and behind the DNS Service", "dns/the Corefile serves the cluster domain, forwards and detects loops", "dns/Service names resolve through the search path"',
    child: true,
  },
  { argv: ['run', '--skip-check', 'dns/SRV recods*'], line: '--skip-check "dns/SRV recods*" matches no check; nearest: "dns/SRV records for named ports"' },
  { argv: ['run', '--check', ''], line: '--check must not be an empty pattern (SUITE/CHECK TITLE, * for any text), got ""' },
  { argv: ['run', '--check'], line: '--check needs a value (a check pattern such as "dns/*" (SUITE/CHECK TITLE, * for any text))' },
  {
    argv: ['run', '--suite', 'smoke', '--check', 'dns/*'],
    line: '--check "dns/*" matches only checks of suite dns, which this run leaves out (add --suite dns): "dns/CoreDNS replicas are ready and behind the DNS Service", ',
  },
  {
    argv: ['run', '--profile', 'quick', '--check', 'dns/load*'],
    line: '--check "dns/load*" matches only checks that --profile quick leaves out: "dns/load › a short burst of lookups: latency, errors and the 5 s race"',
  },
  { argv: ['run', '--skip-check', '*'], line: '--skip-check leaves no check to run: its patterns match every check this run would run (' },
  { argv: ['run', '--check', 'dns/*', '--check', 'dns/nope'], line: '--check "dns/nope" matches no check; nearest: "dns/' },
  { argv: ['gate', '--target-version', '1.35', '--check', 'gate/nope'], line: '--check "gate/nope" matches no check; nearest: "gate/' },
  { argv: ['list', '--check', 'smoke'], line: '--check "smoke" matches no check; nearest: "smoke/every agent answers", ', child: true },
  { argv: ['deploy', '--image', 'mirror.example/shakedown:1', '--skip-check', 'nope/*'], line: '--skip-check "nope/*" matches no check; nearest: ' },
  { argv: ['run'], env: { SHAKEDOWN_CHECKS: 'dns/*\nnope/*' }, line: 'SHAKEDOWN_CHECKS "nope/*" matches no check; nearest: ', code: 'SD_CONFIG_INVALID' },
  {
    argv: ['run'],
    env: { SHAKEDOWN_SKIP_CHECKS: '\n' },
    line: 'SHAKEDOWN_SKIP_CHECKS must name at least one pattern; leave it out for every check',
    code: 'SD_CONFIG_INVALID',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"checks": "dns/*"}'),
    line: '{dir}/c.json: key "checks" must be an array of check patterns, got string "dns/*"',
    code: 'SD_CONFIG_INVALID',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: config('{"skipChecks": ["nope/*"]}'),
    line: '{dir}/c.json: key "skipChecks" "nope/*" matches no check; nearest: ',
    code: 'SD_CONFIG_INVALID',
  },
  {
    argv: ['run', '--waivers', 'missing.yaml'],
    line: 'cannot read the waivers file {dir}/missing.yaml (from --waivers): no such file',
    code: 'SD_CONFIG_INVALID',
    child: true,
  },
  { argv: ['run', '--waivers', 'w.d'], files: { 'w.d': DIR }, line: 'cannot read the waivers file {dir}/w.d (from --waivers): it is a directory' },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: { 'w.yaml': FIFO },
    line: 'cannot read the waivers file {dir}/w.yaml (from --waivers): it is not a regular file (a FIFO, socket or device)',
    child: true,
  },
  { argv: ['run', '--waivers', ''], line: '--waivers must not be empty' },
  { argv: ['run', '--waivers', 'w.yaml'], files: waivers(''), line: '{dir}/w.yaml:1: the waivers file is empty: expected "waivers:" and a list of entries' },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: waivers(`waivers:\n${WAIVERS_ENTRY}  - check: smoke/*\n    reason: [unclosed\n    until: 2027-03-31\n`),
    line: '{dir}/w.yaml:7: not valid YAML: ',
    code: 'SD_CONFIG_INVALID',
    child: true,
  },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: waivers(`waivers:\n${WAIVERS_ENTRY}  - check: smoke/*\n    reason: known\n    until: 2027-02-30\n`),
    line: '{dir}/w.yaml:5: waiver 2: "until" must be a date YYYY-MM-DD (the last day the waiver holds), got "2027-02-30"',
    child: true,
  },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: waivers(`waivers:\n${WAIVERS_ENTRY}\n  - check: smoke/*\n    reason: known\n    expires: 2027-03-31\n`),
    line: '{dir}/w.yaml:6: waiver 2: unknown key "expires" (a waiver has check, reason, until, context, server)',
  },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: waivers(`waivers:\n${WAIVERS_ENTRY}  - check: smoke/*\n    until: 2027-03-31\n`),
    line: '{dir}/w.yaml:5: waiver 2: "reason" is missing',
  },
  {
    argv: ['run', '--waivers', 'w.yaml'],
    files: waivers('waiver:\n  - check: dns/*\n'),
    line: '{dir}/w.yaml:1: unknown key "waiver" at the top: the file holds "waivers", a list of entries',
  },
  {
    argv: ['run', '--waivers', 'w.json'],
    files: waivers('{\n  "waivers": [\n    {"check": "dns/*", "reason": "known", "until": "2027-03-31",}\n  ]\n}\n', 'w.json'),
    line: '{dir}/w.json:3: not valid JSON: ',
    child: true,
  },
  {
    argv: ['run', '--waivers', 'w.json'],
    files: waivers(
      '{"waivers": [\n  {"check": "dns/*", "reason": "known", "until": "2027-03-31"},\n  {"check": "smoke/*", "reason": "", "until": "2027-03-31"}\n]}\n',
      'w.json',
    ),
    line: '{dir}/w.json:3: waiver 2: "reason" must not be empty',
  },
  {
    argv: ['run'],
    env: { SHAKEDOWN_WAIVERS: 'missing.yaml' },
    line: 'cannot read the waivers file {dir}/missing.yaml (from SHAKEDOWN_WAIVERS): no such file',
    code: 'SD_CONFIG_INVALID',
  },
  {
    argv: ['run', '--config', 'c.json'],
    files: { 'c.json': '{"waivers": "w.yaml"}', 'w.yaml': '- check: dns/*\n' },
    line: '{dir}/w.yaml:1: waiver 1: "reason" is missing',
  },
  {
    argv: ['gate', '--target-version', '1.35', '--waivers', 'w.yaml'],
    files: waivers('waivers:\n  - check: gate/*\n    reason: known\n    until: soon\n'),
    line: '{dir}/w.yaml:2: waiver 1: "until" must be a date YYYY-MM-DD (the last day the waiver holds), got "soon"',
  },
  { argv: ['deploy', '--waivers', 'w.yaml'], line: 'unknown flag --waivers for `shakedown deploy` (it is a flag of `shakedown run`, `shakedown gate`)' },
];

const ROWS: Row[] = [
  ...COMMANDS_AND_ARGUMENTS,
  ...FLAG_SYNTAX,
  ...FLAG_VALUES,
  ...DEPLOY_AND_CLEANUP,
  ...ENVIRONMENT,
  ...CONFIG_FILE,
  ...DIFF_INPUT,
  ...HISTORY_INPUT,
  ...PATHS_AND_CLUSTERS,
  ...SELECTION_AND_WAIVERS,
];

// 3 s, or more while the machine runs more than it has cores for.
const ROW_LIMIT_MS = 3000;
const rowLimitMs = (): number => Math.ceil(ROW_LIMIT_MS * Math.max(1, (loadavg()[0] ?? 0) / availableParallelism()));

const PLACEHOLDER = /\{dir\}/g;
const fill = (text: string, dir: string): string => text.replace(PLACEHOLDER, dir);
const name = (row: Row): string =>
  `${[...Object.entries(row.env ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`), 'shakedown', ...row.argv.map((a) => (/^[\w./=:,-]+$/.test(a) ? a : JSON.stringify(a.length > 40 ? `${a.slice(0, 40)}...` : a)))].join(' ')}${row.files === undefined ? '' : ` [${Object.keys(row.files).join(', ')}]`}`;

// The API server every kubeconfig points at: it counts the connections it is offered, and ends each.
let api: Server;
let connections = 0;
let kubeconfigText = '';

beforeAll(async () => {
  api = createServer((socket: Socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((ready) => api.listen(0, '127.0.0.1', ready));
  const address = api.address();
  kubeconfigText = fakeKubeconfig(`https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 1}`);
});

afterAll(async () => {
  await new Promise((done) => api.close(done));
});

interface Case {
  dir: string;
  // Every path under dir, with its size: what must still be all there is afterwards.
  before: string[];
  env: Record<string, string>;
}

function listing(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((entry) => {
    const path = join(under, entry.name);
    if (entry.isDirectory()) return [`${path}/`, ...listing(dir, path)];
    return [`${path} ${entry.isFIFO() ? 'fifo' : statSync(join(dir, path)).size}`];
  });
}

function prepare(row: Row): Case {
  const dir = mkdtempSync(join(tmpdir(), 'sd-bad-input-'));
  // A kubeconfig for every case: a row that got as far as connecting would be counted, not told "no kubeconfig".
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigText);
  for (const [file, content] of Object.entries(row.files ?? {})) {
    const path = join(dir, file);
    if (content === DIR) mkdirSync(path);
    else if (content === FIFO) execFileSync('mkfifo', [path]);
    else writeFileSync(path, content);
  }
  const env = Object.fromEntries(Object.entries(row.env ?? {}).map(([key, value]) => [key, fill(value, dir)]));
  return { dir, before: listing(dir), env: { KUBECONFIG: join(dir, 'kubeconfig'), ...env } };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  limitMs: number;
}

function judge(row: Row, c: Case, outcome: Outcome): void {
  const expected = fill(row.line, c.dir);
  expect(outcome.code).toBe(2);
  expect(outcome.stdout).toBe('');
  // One error line and its hint line, as formatError writes them; the line holds the expected fragment.
  const match = /^error (SD_[A-Z_]+): ([^\n]+)\nhint: [^\n]+\n$/.exec(outcome.stderr);
  expect(match, outcome.stderr).not.toBeNull();
  expect(match?.[2]).toContain(expected);
  expect(match?.[1]).not.toBe('SD_INTERNAL');
  if (row.code !== undefined) expect(match?.[1]).toBe(row.code);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(listing(c.dir)).toEqual(c.before);
  expect(outcome.ms, `ms (limit ${Math.round(outcome.limitMs)})`).toBeLessThan(outcome.limitMs);
}

async function inProcess(row: Row, c: Case): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    argv: row.argv.map((arg) => fill(arg, c.dir)),
    env: c.env,
    cwd: c.dir,
    home: c.dir,
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
  };
  const limitMs = rowLimitMs();
  const started = performance.now();
  const code = await main(io);
  return { code, stdout, stderr, ms: performance.now() - started, limitMs };
}

function inChild(row: Row, c: Case): Promise<Outcome> {
  const limitMs = rowLimitMs();
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...row.argv.map((arg) => fill(arg, c.dir))],
      { cwd: c.dir, env: { PATH: process.env.PATH ?? '', HOME: c.dir, NO_COLOR: '1', ...c.env }, timeout: limitMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr, ms: performance.now() - started, limitMs }),
    );
  });
}

describe('bad input', () => {
  it('has at least 100 rows, a representative set of them run as a child process', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(100);
    expect(ROWS.filter((row) => row.child === true).length).toBeGreaterThanOrEqual(20);
  });

  it.each(ROWS.map((row) => [name(row), row] as const))('%s', async (_name, row) => {
    const c = prepare(row);
    const offered = connections;
    try {
      judge(row, c, await inProcess(row, c));
      expect(connections, 'connections to the API server').toBe(offered);
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });

  // As a user runs them; two at a time on this 2-core machine.
  const pool = pLimit(2);
  it.concurrent.each(ROWS.filter((row) => row.child === true).map((row) => [name(row), row] as const))(
    'child process: %s',
    { timeout: 300_000 },
    (_name, row) =>
      pool(async () => {
        const c = prepare(row);
        try {
          judge(row, c, await inChild(row, c));
        } finally {
          rmSync(c.dir, { recursive: true, force: true });
        }
      }),
  );

  it('no command at all: the usage on stderr, nothing on stdout, exit 2', async () => {
    const c = prepare({ argv: [], line: '' });
    try {
      const outcome = await inChild({ argv: [], line: '' }, c);
      expect([outcome.code, outcome.stdout]).toEqual([2, '']);
      expect(outcome.stderr).toMatch(/^usage: shakedown COMMAND \[flags\]\n\ncommands:\n/);
      expect(listing(c.dir)).toEqual(c.before);
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });

  it('connected to no API server', () => {
    expect(connections).toBe(0);
  });
});
