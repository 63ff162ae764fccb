import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult } from '../helpers/result.ts';
import { createConsoleReporter, formatDuration } from './console.ts';
import type { Env } from './color.ts';
import { failed, passed, runInfo, skipped, warned } from './testing/fixtures.ts';

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

  it('writes no colour with NO_COLOR, to a pipe, or with FORCE_COLOR=0', async () => {
    expect((await run(true, { NO_COLOR: '1' }, mixed())).output()).not.toContain(ESC);
    expect((await run(false, {}, mixed())).output()).not.toContain(ESC);
    expect((await run(true, { FORCE_COLOR: '0' }, mixed())).output()).not.toContain(ESC);
  });

  it('colours a pipe when FORCE_COLOR asks for it', async () => {
    expect((await run(false, { FORCE_COLOR: '1' }, mixed())).output()).toContain(ESC);
  });

  it('ends with exactly "N passed, N failed, N skipped", uncoloured even on a colour terminal', async () => {
    const lines = (await run(true, { TERM: 'xterm' }, mixed())).lines();
    expect(lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect((await run(false, {}, [passed('dns', 'a')])).lines().at(-1)).toBe('1 passed, 0 failed, 0 skipped');
  });

  it('on a terminal gives each pass one line with its mark and no log', async () => {
    const output = stripVTControlCharacters((await run(true, { TERM: 'xterm' }, mixed())).output());
    const passLines = output.split('\n').filter((line) => line.includes('port differs from targetPort'));
    expect(passLines).toEqual(['  ✓ services › port differs from targetPort 120ms']);
    expect(output).not.toContain('PASS LOG LINE');
  });

  it('in a log file prints no passes, but a line per suite and each failure as it happens', async () => {
    const out = capture(false);
    const reporter = createConsoleReporter({ stream: out.stream, env: {} });
    await reporter.onSuiteStart?.('services');
    await reporter.onCheckEnd?.(passed('services', 'named port'));
    await reporter.onCheckEnd?.(failed('services', 'session affinity', { classification: 'wrong-backend', message: 'expected 1 backend, saw 3' }));
    expect(out.lines()).toEqual(['services', '  ✗ services › session affinity [wrong-backend] expected 1 backend, saw 3']);
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
    expect(out.lines()).toEqual(['  ⚠ certs › serving certificate [warn] the serving certificate expires in 40 days']);
    const lines = (await run(false, {}, [...mixed(), warning])).lines();
    const block = lines.slice(lines.indexOf('Warnings (1)'));
    expect(block.slice(0, 6)).toEqual(['Warnings (1)', '', '⚠ certs › serving certificate [warn]', '  the serving certificate expires in 40 days', '  ── certificate ──', '    notAfter 2025-02-10T00:00:00Z']);
    expect(lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped, 1 warned');
  });

  it('prints the one reason several checks share before the failures, then the checks', async () => {
    const origin = { dimension: 'source-node', value: 'node2', summary: 'every probe from pods on node2 fails, the same probes from node1 succeed', confidence: 'high' as const };
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
