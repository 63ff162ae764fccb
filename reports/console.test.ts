import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult } from '../helpers/result.ts';
import { createConsoleReporter, formatDuration } from './console.ts';
import type { Env } from './color.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';
import { screen } from './testing/screen.ts';

const ESC = '\u001b[';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    stream: { isTTY, write: (text: string) => chunks.push(text) },
    output: () => chunks.join(''),
    lines: () => chunks.join('').replace(/\n$/, '').split('\n'),
  };
}

async function run(isTTY: boolean, env: Env, results: CheckResult[]) {
  const out = capture(isTTY);
  const reporter = createConsoleReporter({ stream: out.stream, env });
  const info = runInfo();
  await reporter.onRunStart?.(info);
  for (const suite of new Set(results.map((result) => result.suite))) {
    await reporter.onSuiteStart?.(suite);
    for (const result of results.filter((r) => r.suite === suite)) await reporter.onCheckEnd?.(result);
  }
  await reporter.onRunEnd?.(info, results, summarize(results));
  return out;
}

const mixed = (): CheckResult[] => [
  passed('services', 'port differs from targetPort', { log: ['PASS LOG LINE'] }),
  passed('services', 'named port'),
  failed('netpol', 'deny-all blocks other namespaces'),
  skipped('ingress', 'rewrite-target with capture groups'),
];

describe('console reporter', () => {
  it('colours a terminal', async () => {
    expect((await run(true, { TERM: 'xterm' }, mixed())).output()).toContain(ESC);
  });

  it('writes no colour with NO_COLOR, to a pipe, or with FORCE_COLOR=0; to a pipe or TERM=dumb no escape code at all', async () => {
    const colour = /\u001b\[[0-9;]*m/;
    expect((await run(true, { NO_COLOR: '1' }, mixed())).output()).not.toMatch(colour);
    expect((await run(true, { FORCE_COLOR: '0' }, mixed())).output()).not.toMatch(colour);
    expect((await run(false, {}, mixed())).output()).not.toContain(ESC);
    expect((await run(true, { TERM: 'dumb' }, mixed())).output()).not.toContain(ESC);
  });

  it('colours a pipe when FORCE_COLOR asks for it', async () => {
    expect((await run(false, { FORCE_COLOR: '1' }, mixed())).output()).toContain(ESC);
  });

  it('ends with exactly "N passed, N failed, N skipped", uncoloured even on a colour terminal', async () => {
    const lines = (await run(true, { TERM: 'xterm' }, mixed())).lines();
    expect(lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect((await run(false, {}, [passed('dns', 'a')])).lines().at(-1)).toBe('1 passed, 0 failed, 0 skipped');
  });

  it('names each failure once more in one line right above the counts, where the tail of a CI log keeps it', async () => {
    const lines = (await run(false, {}, mixed())).lines();
    const recap = lines.at(-3);
    expect(recap).toBe('✗ netpol › deny-all blocks other namespaces [not-enforced] expected x/b -> y/a blocked, observed allowed');
    const healthy = (await run(false, {}, [passed('dns', 'a')])).lines();
    expect(healthy.filter((line) => line.startsWith('✗'))).toEqual([]);
  });

  it('on a terminal leaves no line per pass but one per suite, the failure printed as it happened, and no log', async () => {
    const shown = screen((await run(true, { TERM: 'xterm' }, mixed())).output());
    expect(shown.filter((line) => line.includes('port differs from targetPort'))).toEqual([]);
    expect(shown).toContain('✓ services 2: 2 passed (longest check 120ms)');
    expect(shown).toContain('✗ netpol 1: 0 passed, 1 failed (longest check 2.5s)');
    expect(shown).toContain('  ✗ fail netpol › deny-all blocks other namespaces (2.5s) [not-enforced] expected x/b -> y/a blocked, observed allowed');
    expect(shown.join('\n')).not.toContain('PASS LOG LINE');
    expect(shown.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
  });

  it('in a log file prints one line per finished check: mark, status, suite › check, duration, and what a failure, warning or skip says', async () => {
    const out = capture(false);
    const reporter = createConsoleReporter({ stream: out.stream, env: {} });
    await reporter.onSuiteStart?.('services');
    await reporter.onCheckStart?.('services', 'named port');
    await reporter.onProgress?.({ suite: 'services', check: 'named port', line: 'a log line is not printed' });
    await reporter.onProgress?.({ line: 'a setup step is not printed without --verbose' });
    await reporter.onCheckEnd?.(passed('services', 'named port'));
    await reporter.onCheckEnd?.(failed('services', 'session affinity', { classification: 'wrong-backend', message: 'expected 1 backend, saw 3\nsecond line' }));
    await reporter.onCheckEnd?.(skipped('ingress', 'rewrite'));
    expect(out.lines()).toEqual([
      '  ✓ pass services › named port (120ms)',
      '  ✗ fail services › session affinity (2.5s) [wrong-backend] expected 1 backend, saw 3',
      '  ↷ skip ingress › rewrite (0ms) no IngressClass in the cluster',
    ]);
  });

  it('in a log file prints the setup steps with --verbose, with the time since the start', async () => {
    const out = capture(false);
    let clock = 1000;
    const reporter = createConsoleReporter({ stream: out.stream, env: {}, verbose: true, now: () => clock });
    clock = 3500;
    await reporter.onProgress?.({ line: 'deploying the probe fleet' });
    await reporter.onProgress?.({ suite: 'dns', check: 'x', line: 'a check log line' });
    expect(out.lines()).toEqual(['… 2.5s deploying the probe fleet']);
  });

  it('with --quiet prints nothing but the summary, on a terminal too', async () => {
    for (const isTTY of [true, false]) {
      const out = capture(isTTY);
      const reporter = createConsoleReporter({ stream: out.stream, env: { TERM: 'xterm' }, quiet: true });
      const results = mixed();
      await reporter.onPlan?.({ profile: 'full', suites: [{ suite: 'services', checks: ['port differs from targetPort', 'named port'] }] });
      await reporter.onRunStart?.(runInfo());
      await reporter.onProgress?.({ line: 'deploying the probe fleet' });
      for (const result of results) {
        await reporter.onCheckStart?.(result.suite, result.check);
        await reporter.onCheckEnd?.(result);
      }
      expect(out.output()).toBe('');
      await reporter.onRunEnd?.(runInfo(), results, summarize(results));
      expect(out.output()).not.toMatch(/\u001b\[\d*[AJK]/);
      const lines = stripVTControlCharacters(out.output()).split('\n');
      expect(lines[0]).toBe('');
      expect(lines).toContain('Failures (1)');
      expect(lines.at(-2)).toBe('2 passed, 1 failed, 1 skipped');
    }
  });

  it('with --quiet still prints an error that stops the run', async () => {
    const out = capture(true);
    await createConsoleReporter({ stream: out.stream, env: {}, quiet: true }).onSetupError?.(
      new ShakedownError('SD_API_UNREACHABLE', 'cannot reach it'),
      runInfo(),
    );
    expect(stripVTControlCharacters(out.lines()[0] ?? '')).toBe('error SD_API_UNREACHABLE: cannot reach it');
  });

  it('prints each failure in full: title, classification, message, evidence, likely cause, reproduce, log, in that order', async () => {
    const failure = failed('netpol', 'deny-all blocks other namespaces');
    const output = stripVTControlCharacters((await run(false, {}, [failure])).output());
    const block = output.slice(output.indexOf('Failures (1)'));
    const order = [
      '✗ netpol › deny-all blocks other namespaces [not-enforced]',
      `  ${failure.message}`,
      '  ── reachability (expected vs observed) ──',
      '          y/a',
      '    x/b   X .',
      `  likely cause: ${failure.likelyCause}`,
      `  reproduce: ${failure.reproduce}`,
      '  ── log ──',
      '    applied deny-all to y',
      '    probe x/b -> y/a: connected',
    ];
    const positions = order.map((line) => block.indexOf(`${line}\n`));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('shows a warning with its own mark and colour, live and at the end, and counts it', async () => {
    const warning = warned('certs', 'serving certificate');
    const coloured = (await run(true, { TERM: 'xterm', FORCE_COLOR: '1' }, [warning])).output();
    expect(coloured).toContain(`${ESC}35m⚠`);
    const out = capture(false);
    const reporter = createConsoleReporter({ stream: out.stream, env: {} });
    await reporter.onCheckEnd?.(warning);
    expect(out.lines()).toEqual([`  ⚠ warn certs › serving certificate (${formatDuration(warning.durationMs)}) the serving certificate expires in 40 days`]);
    const lines = (await run(false, {}, [...mixed(), warning])).lines();
    const block = lines.slice(lines.indexOf('Warnings (1)'));
    expect(block.slice(0, 6)).toEqual([
      'Warnings (1)',
      '',
      '⚠ certs › serving certificate [warn]',
      '  the serving certificate expires in 40 days',
      '  ── certificate ──',
      '    notAfter 2025-02-10T00:00:00Z',
    ]);
    expect(lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped, 1 warned');
  });

  it('shows a waived failure as waived, with its waiver, apart from the failures, and counts it apart', async () => {
    const waived = waivedFailure('netpol', 'egress is enforced');
    const out = capture(false);
    const reporter = createConsoleReporter({ stream: out.stream, env: {} });
    await reporter.onCheckEnd?.(waived);
    expect(out.lines()).toEqual([
      `  ≈ waived netpol › egress is enforced (${formatDuration(waived.durationMs)}) [not-enforced] expected x/b -> y/a blocked, observed allowed (waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234))`,
    ]);
    const lines = (await run(false, {}, [...mixed(), waived])).lines();
    expect(lines).toContain('Failures (1)');
    const block = lines.slice(lines.indexOf('Waived (1)'));
    expect(block.slice(0, 3)).toEqual([
      'Waived (1)',
      '  ≈ netpol › egress is enforced [not-enforced] expected x/b -> y/a blocked, observed allowed',
      '    waived until 2027-03-31: known: the CNI enforces no policy here (OPS-1234) (waiver "netpol/*")',
    ]);
    expect(lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped, 1 waived');
    const alone = (await run(false, {}, [passed('dns', 'a'), waived])).lines();
    expect(alone).not.toContain('Failures (1)');
    expect(alone.at(-1)).toBe('1 passed, 0 failed, 0 skipped, 1 waived');
  });

  it("on a terminal, counts a waived failure apart in its suite's line", async () => {
    const shown = screen((await run(true, { TERM: 'xterm', NO_COLOR: '1' }, [passed('netpol', 'a'), waivedFailure('netpol', 'b')])).output());
    expect(shown).toContain('✓ netpol 2: 1 passed, 1 waived (longest check 2.5s)');
  });

  it('prints the one reason several checks share before the failures, then the checks', async () => {
    const origin = {
      dimension: 'source-node',
      value: 'node2',
      summary: 'every probe from pods on node2 fails, the same probes from node1 succeed',
      confidence: 'high' as const,
    };
    const results = [
      failed('services', 'cross-node', { origin }),
      failed('dns', 'every replica answers', { origin, classification: 'timeout' }),
      failed('dns', 'search path', { origin: { ...origin, dimension: 'replica' } }),
    ];
    const lines = (await run(false, {}, results)).lines();
    const start = lines.indexOf('Common origins (1)');
    expect(start).toBeGreaterThan(-1);
    expect(start).toBeLessThan(lines.indexOf('Failures (3)'));
    expect(lines.slice(start + 1, start + 4)).toEqual([
      '  2 failed checks share one origin: source-node node2: every probe from pods on node2 fails, the same probes from node1 succeed (confidence high)',
      '    · services › cross-node',
      '    · dns › every replica answers',
    ]);
    expect(lines).toContain('  origin: replica node2: every probe from pods on node2 fails, the same probes from node1 succeed');
  });

  it('prints every skip with its reason', async () => {
    const output = stripVTControlCharacters((await run(false, {}, mixed())).output());
    expect(output).toContain('↷ ingress › rewrite-target with capture groups: no IngressClass in the cluster');
  });

  it('prints a setup error with its code and hint, and details only when verbose', async () => {
    const error = new ShakedownError('SD_API_UNREACHABLE', 'cannot reach https://10.0.0.1:6443', { details: 'dial tcp: i/o timeout' });
    const quiet = capture(false);
    await createConsoleReporter({ stream: quiet.stream, env: {} }).onSetupError?.(error, runInfo());
    expect(quiet.lines()).toEqual(['error SD_API_UNREACHABLE: cannot reach https://10.0.0.1:6443', `hint: ${error.hint}`]);
    const verbose = capture(false);
    await createConsoleReporter({ stream: verbose.stream, env: {}, verbose: true }).onSetupError?.(error, runInfo());
    expect(verbose.lines()).toContain('  dial tcp: i/o timeout');
  });

  it('spells out the escapes and control characters of cluster text on a terminal and in a log, and caps it', async () => {
    const hostile = failed('services', 'named port', {
      message: 'pod \u001b]8;;https://evil.example\u0007web\u001b]8;;\u0007 crashed\rPASS',
      evidence: [{ label: 'log tail of pod sd/web (\u001b[2Jagent)', text: `ok\n\u001b]52;c;cm0gLXJm\u0007${'y'.repeat(9000)}` }],
      log: ['\u0008\u0008\u0008done'],
    });
    for (const [isTTY, env] of [
      [true, { TERM: 'xterm', NO_COLOR: '1' }],
      [false, {}],
    ] as const) {
      const out = (await run(isTTY, env, [hostile])).output();
      const text = isTTY ? stripVTControlCharacters(out) : out;
      expect(text).toContain('pod \\x1b]8;;https://evil.example\\x07web\\x1b]8;;\\x07 crashed\\rPASS');
      expect(text).toContain('── log tail of pod sd/web (\\x1b[2Jagent) ──');
      expect(text).toContain('    \\x1b]52;c;cm0gLXJm\\x07yyy');
      expect(text).toContain('y… (1019 more characters)');
      expect(text).toContain('\\x08\\x08\\x08done');
      // What is left of the output's escapes are the display's own (cursor and erase), never the cluster's.
      expect(out).not.toMatch(/\u001b\]|\u0007|\u0008|\r(?!\u001b)/);
    }
  });

  it('names the cluster in one header line, leaving out what is unknown', async () => {
    const out = capture(false);
    const reporter = createConsoleReporter({ stream: out.stream, env: {} });
    await reporter.onRunStart?.(runInfo());
    await reporter.onRunStart?.(runInfo({ cluster: { server: null, version: null, nodes: 1, context: null } }));
    expect(out.lines()).toEqual([
      'shakedown run sd-20250101-abcd against https://10.0.0.1:6443 (Kubernetes v1.31.2, 3 nodes, context kind-shakedown)',
      'shakedown run sd-20250101-abcd against an unknown server (1 node)',
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [1500, '1.5s'],
    [59_940, '59.9s'],
    [59_960, '1m00s'],
    [90_400, '1m30s'],
    [3_725_000, '62m05s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
