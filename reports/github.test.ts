import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult } from '../helpers/result.ts';
import {
  ANNOTATIONS_PER_KIND,
  createGitHubReporter,
  escapeData,
  escapeProperty,
  markdown,
  MESSAGE_CHARS,
  stepSummary,
  TITLE_CHARS,
  workflowCommands,
} from './github.ts';
import { createRunReporters } from './run-reporters.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';

let dir: string;
let summaryFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-github-'));
  summaryFile = join(dir, 'step_summary.md');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sink() {
  const written: string[] = [];
  return { stream: { write: (text: string) => written.push(text) }, text: () => written.join('') };
}

const coredns = { dimension: 'server', value: 'kube-dns', summary: 'every query to the DNS Service times out', confidence: 'high' as const };
const results = (): CheckResult[] => [
  passed('smoke', 'every agent answers'),
  failed('dns', 'search path', { classification: 'timeout', origin: coredns, likelyCause: 'CoreDNS has no ready replica' }),
  failed('dns', 'every record kind', { classification: 'timeout', origin: coredns }),
  warned('dns', 'latency'),
  skipped('ingress', 'rewrite-target'),
  passed('services', 'named port'),
];

describe('workflow-command escaping', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeProperty('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext%3A a%2C b');
    // % first: an escape sequence in the input is not taken for one.
    expect(escapeData('%0A')).toBe('%250A');
  });
});

describe('GitHub reporter', () => {
  it('does nothing outside GitHub Actions', () => {
    expect(createGitHubReporter({ env: {}, stream: sink().stream })).toBeUndefined();
    expect(createGitHubReporter({ env: { GITHUB_ACTIONS: 'false' }, stream: sink().stream })).toBeUndefined();
  });

  it('at the end of the run prints one ::error per failed and one ::warning per warned check, and appends the summary', async () => {
    const out = sink();
    const reporter = createGitHubReporter({ env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }, stream: out.stream });
    await reporter?.onRunStart?.(runInfo({ finishedAt: null }));
    for (const result of results()) await reporter?.onCheckEnd?.(result);
    expect(out.text()).toBe('');
    await reporter?.onRunEnd?.(runInfo(), results(), summarize(results()));
    await reporter?.flush?.();

    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '::error title=shakedown › dns › search path (timeout)::expected x/b -> y/a blocked, observed allowed%0Alikely cause: CoreDNS has no ready replica%0Acommon origin: 2 failed checks share one origin: server kube-dns: every query to the DNS Service times out%0Areproduce: kubectl exec -n sd-x b -- agent probe y/a:80',
    );
    expect(lines[1]).toMatch(/^::error title=shakedown › dns › every record kind \(timeout\)::/);
    expect(lines[2]).toBe(
      '::warning title=shakedown › dns › latency::the serving certificate expires in 40 days%0Alikely cause: certificate rotation is not automated',
    );

    const summary = await readFile(summaryFile, 'utf8');
    expect(summary.split('\n').slice(0, 3)).toEqual([
      '## ❌ shakedown: FAILED',
      '',
      '2 passed, 1 warned, 2 failed, 1 skipped · https://10.0.0.1:6443, v1.31.2, 3 nodes, context kind-shakedown · run sd-20250101-abcd',
    ]);
    expect(summary).toContain(
      [
        '| suite | pass | warn | fail | skip |',
        '| --- | ---: | ---: | ---: | ---: |',
        '| smoke | 1 | 0 | 0 | 0 |',
        '| dns | 0 | 1 | 2 | 0 |',
        '| ingress | 0 | 0 | 0 | 1 |',
        '| services | 1 | 0 | 0 | 0 |',
      ].join('\n'),
    );
    expect(summary).toContain(
      '### Common origins\n\n- 2 failed checks share one origin: server kube-dns: every query to the DNS Service times out: dns › search path; dns › every record kind',
    );
    expect(summary).toContain(
      '### Failures\n\n- **dns › search path** (timeout): expected x/b -&gt; y/a blocked, observed allowed<br>likely cause: CoreDNS has no ready replica\n',
    );
    expect(summary).toContain(
      '### Warnings\n\n- **dns › latency**: the serving certificate expires in 40 days<br>likely cause: certificate rotation is not automated\n',
    );
  });

  it('prints a waived failure as a ::notice with its waiver, counts it apart, and passes', async () => {
    const waived = waivedFailure('netpol', 'egress is enforced');
    const all = [passed('smoke', 'every agent answers'), waived];
    expect(workflowCommands({ results: all, setupErrors: [], complete: true })).toEqual([
      '::notice title=shakedown › netpol › egress is enforced (not-enforced) waived until 2027-03-31::known: the CNI enforces no policy here (OPS-1234)%0Athe failure: expected x/b -> y/a blocked, observed allowed',
    ]);
    const summary = stepSummary({ run: runInfo(), results: all, setupErrors: [], complete: true });
    expect(summary.split('\n').slice(0, 3)).toEqual([
      '## ✅ shakedown: passed',
      '',
      '1 passed, 0 warned, 0 failed, 1 waived, 0 skipped · https://10.0.0.1:6443, v1.31.2, 3 nodes, context kind-shakedown · run sd-20250101-abcd',
    ]);
    expect(summary).toContain(
      [
        '| suite | pass | warn | fail | waived | skip |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        '| smoke | 1 | 0 | 0 | 0 | 0 |',
        '| netpol | 0 | 0 | 0 | 1 | 0 |',
      ].join('\n'),
    );
    expect(summary).not.toContain('### Failures');
    expect(summary).toContain(
      '### Waived\n\n- **netpol › egress is enforced** (not-enforced): waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234)<br>the failure: expected x/b -&gt; y/a blocked, observed allowed\n',
    );
  });

  it('says passed, and prints no command, when nothing failed or warned', async () => {
    const out = sink();
    const reporter = createGitHubReporter({ env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }, stream: out.stream });
    const all = [passed('dns', 'resolves'), skipped('ingress', 'rewrite-target')];
    await reporter?.onRunEnd?.(runInfo(), all, summarize(all));
    expect(out.text()).toBe('');
    expect((await readFile(summaryFile, 'utf8')).split('\n', 1)[0]).toBe('## ✅ shakedown: passed');
  });

  it('publishes at flush after a setup error, when onRunEnd never comes, once', async () => {
    const out = sink();
    const reporter = createGitHubReporter({ env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }, stream: out.stream });
    const error = new ShakedownError('SD_API_UNREACHABLE', 'cannot reach https://10.0.0.1:6443', { details: 'dial tcp: i/o timeout' });
    await reporter?.onSetupError?.(error, runInfo({ finishedAt: null }));
    expect(out.text()).toBe('');
    await reporter?.flush?.();
    await reporter?.flush?.();
    expect(out.text()).toBe(
      `::error title=shakedown could not run (SD_API_UNREACHABLE)::cannot reach https://10.0.0.1:6443%0Adial tcp: i/o timeout%0Ahint: ${escapeData(error.hint)}\n`,
    );
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary.split('\n', 1)[0]).toBe('## ❌ shakedown: DID NOT COMPLETE');
    expect(summary).toContain(`- **SD_API_UNREACHABLE**: cannot reach https://10.0.0.1:6443. ${markdown(error.hint)}`);
    expect(summary.match(/^## /gm)).toHaveLength(1);
  });

  it("prints the commands without a summary file, and a failing append is the reporter's failure to report", async () => {
    const out = sink();
    const quiet = createGitHubReporter({ env: { GITHUB_ACTIONS: 'true' }, stream: out.stream });
    await quiet?.onRunEnd?.(runInfo(), results(), summarize(results()));
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(3);
    const broken = createGitHubReporter({ env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'missing', 'summary.md') }, stream: sink().stream });
    await expect(broken?.onRunEnd?.(runInfo(), results(), summarize(results()))).rejects.toThrow(/ENOENT/);
  });
});

describe("the GitHub reporter among the run's reporters", () => {
  it.each([
    ['stdout, with the console', 'a file', 'stdout'],
    ['stderr when stdout carries the JSON report (--json -)', '-', 'stderr'],
  ] as const)('prints its commands to %s', async (_case, json, where) => {
    const stdout = sink();
    const stderr = sink();
    const reporters = createRunReporters({
      junit: undefined,
      json: json === '-' ? '-' : join(dir, 'report.json'),
      verbose: false,
      quiet: true,
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile },
    });
    await reporters.onRunStart(runInfo({ finishedAt: null }));
    await reporters.onRunEnd(runInfo(), results(), summarize(results()));
    const streams = { stdout: stdout.text(), stderr: stderr.text() };
    expect(streams[where].match(/^::(error|warning) /gm)).toHaveLength(3);
    expect(streams[where === 'stdout' ? 'stderr' : 'stdout']).not.toContain('::error');
    if (json === '-') expect(JSON.parse(streams.stdout)).toMatchObject({ summary: { failed: 2 } });
    expect(await readFile(summaryFile, 'utf8')).toMatch(/^## ❌ shakedown: FAILED\n/);
  });
});

describe('workflowCommands', () => {
  it('cannot be split into a second command by what a check says, and strips terminal escapes', () => {
    const [line, ...rest] = workflowCommands({
      results: [
        failed('dns', 'a, b: c', {
          message: 'no answer\n::error::injected\r\n50%',
          likelyCause: undefined,
          reproduce: undefined,
          evidence: [],
          log: ['\u001b[31mred\u001b[0m'],
        }),
      ],
      setupErrors: [],
      complete: true,
    });
    expect(rest).toEqual([]);
    expect(line).toBe('::error title=shakedown › dns › a%2C b%3A c (not-enforced)::no answer%0A::error::injected%0D%0A50%25');
  });

  it('caps titles and messages before escaping them', () => {
    const [line] = workflowCommands({
      results: [warned('s', 'c'.repeat(500), { message: '%'.repeat(MESSAGE_CHARS + 10), likelyCause: undefined })],
      setupErrors: [],
      complete: true,
    });
    const [, title = '', message = ''] = /^::warning title=(.*?)::(.*)$/.exec(line ?? '') ?? [];
    expect(title).toBe(`shakedown › s › ${'c'.repeat(TITLE_CHARS - 'shakedown › s › '.length - 1)}…`);
    expect(message).toBe(`${'%25'.repeat(MESSAGE_CHARS - 1)}…`);
  });

  it(`keeps to GitHub's ${ANNOTATIONS_PER_KIND} annotations of a kind per step, the last counting the rest`, () => {
    const many = Array.from({ length: 14 }, (_, index) => failed('netpol', `case ${index + 1}`, { origin: undefined }));
    const lines = workflowCommands({ results: [...many, warned('certs', 'expiry')], setupErrors: [], complete: true });
    expect(lines.filter((line) => line.startsWith('::error '))).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(lines[ANNOTATIONS_PER_KIND - 2]).toMatch(/title=shakedown › netpol › case 9 /);
    expect(lines[ANNOTATIONS_PER_KIND - 1]).toMatch(
      /^::error title=shakedown%3A 5 more errors::GitHub shows 10 annotations of a kind per step: the job summary and the reports list all 14\.$/,
    );
    expect(lines[ANNOTATIONS_PER_KIND]).toMatch(/^::warning title=shakedown › certs › expiry::/);
  });

  it('says a run that never ended is partial', () => {
    expect(workflowCommands({ results: [passed('dns', 'resolves')], setupErrors: [], complete: false })).toEqual([
      '::error title=shakedown did not complete::1 checks had finished; the results are partial.',
    ]);
  });
});

describe('stepSummary', () => {
  it('escapes Markdown and HTML in what the cluster says, one line per finding', () => {
    const summary = stepSummary({
      run: runInfo(),
      results: [failed('s|x', 'check *one*', { message: 'saw <script>alert(1)</script> | [link](x)\nsecond line', likelyCause: undefined })],
      setupErrors: [],
      complete: true,
    });
    expect(summary).toContain('| s\\|x | 0 | 0 | 1 | 0 |');
    expect(summary).toContain('- **s\\|x › check \\*one\\*** (not-enforced): saw &lt;script&gt;alert(1)&lt;/script&gt; \\| \\[link\\](x) second line\n');
  });

  it("stays under GitHub's size for a step summary", () => {
    const many = Array.from({ length: 3000 }, (_, index) => failed('netpol', `case ${index}`, { message: 'x'.repeat(300), origin: undefined }));
    const summary = stepSummary({ run: runInfo(), results: many, setupErrors: [], complete: true });
    expect(summary.length).toBeLessThanOrEqual(512 * 1024);
    expect(summary).toMatch(/… cut at 524288 characters: the JSON and HTML reports have every finding\.\n$/);
  });
});

describe('examples/github-actions.yml, as shipped', () => {
  interface Step {
    uses?: string;
    with?: Record<string, unknown>;
    if?: string;
  }
  const workflow = loadYaml<{ jobs: Record<string, { steps: Step[] }> }>(readFileSync(new URL('../examples/github-actions.yml', import.meta.url), 'utf8'));
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const major = (action: string) => Number(/@v(\d+)/.exec(steps.find((step) => step.uses?.startsWith(`${action}@`) === true)?.uses ?? '')?.[1]);

  it('checks out at the workspace root, where dorny/test-reporter runs git ls-files', () => {
    const checkout = steps.find((step) => step.uses?.startsWith('actions/checkout@') === true);
    expect(checkout?.with?.path).toBeUndefined();
    expect(steps.find((step) => step.uses?.startsWith('dorny/test-reporter@') === true)?.with?.['working-directory']).toBeUndefined();
  });

  it('uses the majors of every action that run on Node 24, with Node 24 itself', () => {
    // checkout and setup-node run on node24 from v5, upload-artifact from v6, dorny/test-reporter from v3.
    expect(major('actions/checkout')).toBeGreaterThanOrEqual(5);
    expect(major('actions/setup-node')).toBeGreaterThanOrEqual(5);
    expect(major('actions/upload-artifact')).toBeGreaterThanOrEqual(6);
    expect(major('dorny/test-reporter')).toBeGreaterThanOrEqual(3);
    expect(steps.find((step) => step.uses?.startsWith('actions/setup-node@') === true)?.with?.['node-version']).toBe('24');
  });

  it('publishes and keeps the reports whatever the verdict', () => {
    for (const action of ['dorny/test-reporter', 'actions/upload-artifact'])
      expect(steps.find((step) => step.uses?.startsWith(`${action}@`) === true)?.if).toBe('always()');
  });
});
