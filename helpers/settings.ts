// Every knob of the engine, in one table: its flag, its environment variable, its type and its
// default. The config file uses the key itself (e.g. "probeImage"). helpers/config.ts applies the
// precedence. Options of one suite live in its manifest (suites/NAME/manifest.ts), not here.
import {
  boolean,
  dnsLabel,
  dnsSubdomain,
  duration,
  imageReference,
  integer,
  keyValues,
  nameList,
  oneOf,
  path,
  patternList,
  text,
  type ValueType,
} from './config-values.ts';
import { PROFILE_NAMES, type ProfileName } from './engine/profiles.ts';
import { runIdValue } from './run/run-id.ts';

export const TRANSPORTS = ['auto', 'proxy', 'exec'] as const;
export type TransportChoice = (typeof TRANSPORTS)[number];
export const FAIL_ON = ['fail', 'warn'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface Settings {
  suites: string[];
  // Which checks of the chosen suites run (helpers/check-pattern.ts): those matching a --check
  // pattern (every one when none is given), less those matching a --skip-check pattern.
  checks: string[];
  skipChecks: string[];
  // A file of waivers (helpers/waivers/): failures it names are reported as waived until a date.
  waivers: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
  junit: string | undefined;
  json: string | undefined;
  html: string | undefined;
  // Properties of the user's own in the JUnit report (a build number, the cluster's name).
  junitProperties: Record<string, string>;
  probeImage: string | undefined;
  imagePullSecret: string | undefined;
  keepOnFailure: boolean;
  all: boolean;
  runId: string | undefined;
  concurrency: number;
  apiQps: number;
  setupTimeout: number;
  checkTimeout: number;
  probeTimeout: number;
  namespaceTtl: number;
  transport: TransportChoice;
  verbose: boolean;
  // Nothing on the console but the final summary (and an error that stops the run).
  quiet: boolean;
  // Which checks run (engine/profiles.ts): every one (full) or one per area (quick).
  profile: ProfileName;
  // gate: whether warnings fail the exit code too.
  failOn: FailOn;
  // gate and run: a JSON report to compare this run with (as `shakedown diff` does).
  baseline: string | undefined;
  // run: use the pod's ServiceAccount (the runner of `shakedown deploy`).
  inCluster: boolean;
  // run: print the reports, packed, at the end of the log (how `deploy --wait` gets them back).
  reportLog: boolean;
  // run: the ClusterRole of the run-scoped rules, bound in each namespace the run makes (the runner
  // of `shakedown deploy`, which holds no namespaced write permission otherwise).
  runRole: string | undefined;
  // deploy: create the objects (else print them), follow the Job, its image, its namespace and deadline.
  apply: boolean;
  wait: boolean;
  image: string | undefined;
  namespace: string | undefined;
  jobTimeout: number;
  // deploy: write the runner as a sonobuoy plugin to this file (and print its RBAC) instead.
  sonobuoyPlugin: string | undefined;
}

export type SettingKey = keyof Settings;

export interface Knob<T> {
  type: ValueType<NonNullable<T>>;
  flag: string;
  env: string;
  default: T;
  // A path: relative to the working directory from a flag or variable, to the file's directory from a config file.
  isPath?: boolean;
  describe: string;
}

export type Knobs = { [K in SettingKey]: Knob<Settings[K]> };

export const KNOBS: Knobs = {
  suites: { type: nameList, flag: 'suite', env: 'SHAKEDOWN_SUITES', default: [], describe: 'only this suite (repeatable, or comma-separated; default: all)' },
  checks: {
    type: patternList,
    flag: 'check',
    env: 'SHAKEDOWN_CHECKS',
    default: [],
    describe:
      'run only the checks this pattern matches: SUITE/CHECK TITLE or SUITE › CHECK TITLE, * for any text (repeatable; in the variable one pattern a line); the others are reported skipped',
  },
  skipChecks: {
    type: patternList,
    flag: 'skip-check',
    env: 'SHAKEDOWN_SKIP_CHECKS',
    default: [],
    describe: 'leave out the checks this pattern matches (repeatable, as --check); they are reported skipped',
  },
  waivers: {
    type: path,
    flag: 'waivers',
    env: 'SHAKEDOWN_WAIVERS',
    default: undefined,
    isPath: true,
    describe:
      'a YAML or JSON file of waivers (check, reason, until YYYY-MM-DD, optionally context and server): a failure one matches is reported as waived and does not fail the run',
  },
  kubeconfig: {
    type: path,
    flag: 'kubeconfig',
    env: 'SHAKEDOWN_KUBECONFIG',
    default: undefined,
    isPath: true,
    describe: 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
  },
  context: { type: text, flag: 'context', env: 'SHAKEDOWN_CONTEXT', default: undefined, describe: 'kubeconfig context (default: its current context)' },
  junit: { type: path, flag: 'junit', env: 'SHAKEDOWN_JUNIT', default: undefined, isPath: true, describe: 'write a JUnit XML report to FILE' },
  json: { type: path, flag: 'json', env: 'SHAKEDOWN_JSON', default: undefined, isPath: true, describe: 'write a JSON report to FILE' },
  html: { type: path, flag: 'html', env: 'SHAKEDOWN_HTML', default: undefined, isPath: true, describe: 'write a self-contained HTML report to FILE' },
  junitProperties: {
    type: keyValues,
    flag: 'junit-property',
    env: 'SHAKEDOWN_JUNIT_PROPERTIES',
    default: {},
    describe: 'add a property to the JUnit report (repeatable; e.g. build=1234); shakedown.* and cluster.* are its own',
  },
  probeImage: {
    type: imageReference,
    flag: 'probe-image',
    env: 'SHAKEDOWN_PROBE_IMAGE',
    default: undefined,
    describe: 'image that runs the probe agent (default: a pinned Node.js image)',
  },
  imagePullSecret: {
    type: dnsSubdomain,
    flag: 'image-pull-secret',
    env: 'SHAKEDOWN_IMAGE_PULL_SECRET',
    default: undefined,
    describe: 'Secret (in the default namespace) copied into the run namespace to pull the probe image',
  },
  keepOnFailure: {
    type: boolean,
    flag: 'keep-on-failure',
    env: 'SHAKEDOWN_KEEP_ON_FAILURE',
    default: false,
    describe: 'leave the run namespaces in place when a check fails',
  },
  all: {
    type: boolean,
    flag: 'all',
    env: 'SHAKEDOWN_CLEANUP_ALL',
    default: false,
    describe: 'cleanup: also remove namespaces of runs that have not expired (runs in progress included)',
  },
  runId: {
    type: runIdValue,
    flag: 'run',
    env: 'SHAKEDOWN_RUN',
    default: undefined,
    describe: 'cleanup: remove only the namespaces of this run id; run: the run id to use (shakedown deploy sets it)',
  },
  concurrency: { type: integer(1, 64), flag: 'concurrency', env: 'SHAKEDOWN_CONCURRENCY', default: 8, describe: 'checks in flight per suite' },
  apiQps: { type: integer(1, 1000), flag: 'api-qps', env: 'SHAKEDOWN_API_QPS', default: 20, describe: 'requests per second to the API server' },
  setupTimeout: {
    type: duration(1000, 3_600_000),
    flag: 'setup-timeout',
    env: 'SHAKEDOWN_SETUP_TIMEOUT',
    default: 120_000,
    describe: 'how long the probe fleet may take to become ready',
  },
  checkTimeout: {
    type: duration(1000, 3_600_000),
    flag: 'check-timeout',
    env: 'SHAKEDOWN_CHECK_TIMEOUT',
    default: 90_000,
    describe: 'how long one check may take',
  },
  probeTimeout: {
    type: duration(100, 30_000),
    flag: 'probe-timeout',
    env: 'SHAKEDOWN_PROBE_TIMEOUT',
    default: 2000,
    describe: 'how long one probe waits for an answer',
  },
  namespaceTtl: {
    type: duration(60_000, 30 * 86_400_000),
    flag: 'namespace-ttl',
    env: 'SHAKEDOWN_NAMESPACE_TTL',
    default: 3_600_000,
    describe: 'after this, a namespace left by a crashed run counts as expired',
  },
  transport: {
    type: oneOf(TRANSPORTS),
    flag: 'transport',
    env: 'SHAKEDOWN_TRANSPORT',
    default: 'auto',
    describe: 'how probes reach the agents: pod proxy, exec, or auto (proxy, exec if it fails)',
  },
  verbose: { type: boolean, flag: 'verbose', env: 'SHAKEDOWN_VERBOSE', default: false, describe: 'print error details and causes' },
  quiet: {
    type: boolean,
    flag: 'quiet',
    env: 'SHAKEDOWN_QUIET',
    default: false,
    describe: 'print nothing but the final summary (and an error that stops the run)',
  },
  profile: {
    type: oneOf(PROFILE_NAMES),
    flag: 'profile',
    env: 'SHAKEDOWN_PROFILE',
    default: 'full',
    describe: 'which checks run: full (every check) or quick (one representative check per area, in seconds)',
  },
  failOn: {
    type: oneOf(FAIL_ON),
    flag: 'fail-on',
    env: 'SHAKEDOWN_FAIL_ON',
    default: 'fail',
    describe: 'the exit code is 1 on a failed check (fail), or on a failed or warned one (warn)',
  },
  baseline: {
    type: path,
    flag: 'baseline',
    env: 'SHAKEDOWN_BASELINE',
    default: undefined,
    isPath: true,
    describe: 'compare this run with an earlier JSON report (as shakedown diff): exit 1 on a regression',
  },
  inCluster: {
    type: boolean,
    flag: 'in-cluster',
    env: 'SHAKEDOWN_IN_CLUSTER',
    default: false,
    describe: "use the pod's ServiceAccount instead of a kubeconfig (automatic in a pod with no kubeconfig)",
  },
  reportLog: {
    type: boolean,
    flag: 'report-log',
    env: 'SHAKEDOWN_REPORT_LOG',
    default: false,
    describe: 'print the JUnit, JSON and HTML reports, gzipped and base64-encoded, at the end of the output (for shakedown deploy --wait)',
  },
  runRole: {
    type: text,
    flag: 'run-role',
    env: 'SHAKEDOWN_RUN_ROLE',
    default: undefined,
    describe: "bind this ClusterRole to the run's ServiceAccount in each namespace the run makes, and nowhere else (set by shakedown deploy)",
  },
  apply: { type: boolean, flag: 'apply', env: 'SHAKEDOWN_DEPLOY_APPLY', default: false, describe: 'deploy: create the objects instead of printing them' },
  wait: {
    type: boolean,
    flag: 'wait',
    env: 'SHAKEDOWN_DEPLOY_WAIT',
    default: false,
    describe: 'deploy: create them, follow the Job to its end, copy its reports back, remove everything; exit with its verdict',
  },
  image: {
    type: imageReference,
    flag: 'image',
    env: 'SHAKEDOWN_IMAGE',
    default: undefined,
    describe: 'deploy: the runner image (built from the Containerfile; default on the local cluster: its own)',
  },
  namespace: {
    type: dnsLabel,
    flag: 'namespace',
    env: 'SHAKEDOWN_NAMESPACE',
    default: undefined,
    describe: 'deploy: the namespace of the Job, made by deploy and not there before (default: RUNID-deploy; never default or kube-*)',
  },
  jobTimeout: {
    type: duration(60_000, 86_400_000),
    flag: 'job-timeout',
    env: 'SHAKEDOWN_JOB_TIMEOUT',
    default: 3_600_000,
    describe: "deploy: the Job's deadline (activeDeadlineSeconds)",
  },
  sonobuoyPlugin: {
    type: path,
    flag: 'sonobuoy-plugin',
    env: 'SHAKEDOWN_SONOBUOY_PLUGIN',
    default: undefined,
    isPath: true,
    describe:
      "deploy: write the runner as a sonobuoy plugin to FILE and print its namespace, ServiceAccount, RBAC and admission policy (--namespace: sonobuoy's, default sonobuoy)",
  },
};

export const SETTING_KEYS = Object.keys(KNOBS) as SettingKey[];
