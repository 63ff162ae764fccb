// The table judge and the settling rule with a fake prober and a fake clock: right answers settle
// at the third in a row (propagation = the first of them), a 404 before the host answers does not
// count, a spec mismatch keeps being asked until the bound, a stable dialect difference settles
// early, and the table printed on failure shows every request, expected and seen.
import { describe, expect, it } from 'vitest';
import type { RequestCase, RouteTable } from './ingress-cases.ts';
import { GRACE_MS, runTable, type Prober } from './ingress-run.ts';
import { absoluteLocation, formatTable, judge, type BackendPods, type Seen } from './ingress-table.ts';

const pods: BackendPods = { pods: ['p0', 'p1'] };
const domain = 'sd-1.ingress.shakedown.test';
const echo = (pod: string, port: number, path: string, headers: Record<string, string> = {}): Seen => ({
  status: 200,
  echo: { pod, port, path, host: 'h', headers },
});

describe('judge', () => {
  const kase = (expect: RequestCase['expect'], path = '/x'): RequestCase => ({ host: 'paths', path, expect, why: 'w', level: 'spec' });
  it('a backend answer: pod, port and the path it saw', () => {
    expect(judge(kase({ kind: 'backend', backend: 'be-b' }), echo('p0', 8081, '/x'), pods, domain).ok).toBe(true);
    expect(judge(kase({ kind: 'backend', backend: 'be-b' }), echo('p1', 8081, '/x'), pods, domain)).toMatchObject({ ok: false, seen: '200 be-e /x' });
    expect(judge(kase({ kind: 'backend', backend: 'be-a', path: '/new' }), echo('p0', 8080, '/x'), pods, domain).ok).toBe(false);
    expect(
      judge(kase({ kind: 'backend', backend: 'be-a', headers: { 'x-add': 'a', 'x-remove': null } }), echo('p0', 8080, '/x', { 'X-Add': 'a' }), pods, domain).ok,
    ).toBe(true);
    expect(
      judge(kase({ kind: 'backend', backend: 'be-a', headers: { 'x-remove': null } }), echo('p0', 8080, '/x', { 'x-remove': 'gone' }), pods, domain).ok,
    ).toBe(false);
  });
  it('not routed: a 404 or another backend, never ours and never an error', () => {
    expect(judge(kase({ kind: 'not-routed' }), { status: 404 }, pods, domain).ok).toBe(true);
    expect(judge(kase({ kind: 'not-routed' }), echo('other', 80, '/x'), pods, domain).ok).toBe(true);
    expect(judge(kase({ kind: 'not-routed' }), echo('p0', 8080, '/x'), pods, domain).ok).toBe(false);
    expect(judge(kase({ kind: 'not-routed' }), { error: 'refused' }, pods, domain)).toMatchObject({ ok: false, seen: 'error: refused' });
  });
  it('a redirect: status and the Location a client follows', () => {
    const k = kase({ kind: 'redirect', status: 302, location: '/app1' }, '/');
    expect(judge(k, { status: 302, location: '/app1' }, pods, domain).ok).toBe(true);
    expect(judge(k, { status: 302, location: `http://paths.${domain}/app1` }, pods, domain).ok).toBe(true);
    expect(judge(k, { status: 301, location: '/app1' }, pods, domain).ok).toBe(false);
    expect(judge(k, { status: 302, location: '/app2' }, pods, domain).ok).toBe(false);
    expect(absoluteLocation('https://moved.example/x', 'http', 'h', '/x')).toBe('https://moved.example/x');
  });
});

function fake(answers: (kase: RequestCase, round: number) => Seen) {
  let t = 0;
  const rounds = new Map<string, number>();
  const probe: Prober = (kase) => {
    const round = rounds.get(kase.path) ?? 0;
    rounds.set(kase.path, round + 1);
    return Promise.resolve(answers(kase, round));
  };
  return { probe, now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
}

describe('runTable', () => {
  const table: RouteTable = {
    id: 'routing',
    dialect: 'ingress',
    requests: [
      { host: 'paths', path: '/aaa', expect: { kind: 'backend', backend: 'be-b' }, why: 'prefix', level: 'spec' },
      { host: 'paths', path: '/aaaccc', expect: { kind: 'backend', backend: 'be-f' }, why: 'element-wise', level: 'spec' },
      { host: 'unknown', path: '/', expect: { kind: 'not-routed' }, why: 'unknown', level: 'spec', after: 'paths' },
    ],
  };

  it('settles right answers at the third in a row, measuring from the first', async () => {
    // The routes appear at round 4 (1000 ms); before that everything is a 404.
    const f = fake((kase, round) =>
      round < 4 || kase.host === 'unknown' ? { status: 404 } : kase.path === '/aaa' ? echo('p0', 8081, '/aaa') : echo('p1', 8082, '/aaaccc'),
    );
    const rows = await runTable(table, f.probe, { domain, pods, appliedAt: 0, deadline: 60_000, now: f.now, sleep: f.sleep });
    expect(rows.map((r) => r.verdict.ok)).toEqual([true, true, true]);
    expect(rows[0]?.settledMs).toBe(1000);
    // The unknown host's 404 counts only once the paths host answered.
    expect(rows[2]?.settledMs).toBe(1000);
  });

  it('a spec mismatch is asked until the bound and printed in the table', async () => {
    const f = fake((kase) => (kase.host === 'unknown' ? { status: 404 } : echo('p0', 8081, kase.path)));
    const rows = await runTable(table, f.probe, { domain, pods, appliedAt: 0, deadline: 10_000, now: f.now, sleep: f.sleep });
    expect(rows.map((r) => r.verdict.ok)).toEqual([true, false, true]);
    expect(f.now()).toBeGreaterThanOrEqual(10_000);
    const text = formatTable(rows, domain);
    expect(
      text
        .split('\n')
        .find((line) => line.startsWith('X'))
        ?.split(/\s{2,}/),
    ).toEqual(['X', 'paths.<run>', '/aaaccc', 'be-f (same path)', '200 be-b /aaaccc']);
  });

  it('a stable dialect difference settles after the grace, not at the bound', async () => {
    const dialect: RouteTable = {
      id: 'rewrites-ingress-nginx',
      dialect: 'ingress-nginx',
      requests: [
        { host: 'bleed', path: '/plain/x', expect: { kind: 'backend', backend: 'be-f' }, why: 'plain', level: 'dialect' },
        { host: 'bleed', path: '/plainly', expect: { kind: 'backend', backend: 'be-f' }, why: 'bleed', level: 'dialect' },
      ],
    };
    const f = fake((kase) => (kase.path === '/plain/x' ? echo('p1', 8082, '/plain/x') : { status: 404 }));
    const rows = await runTable(dialect, f.probe, { domain, pods, appliedAt: 0, deadline: 60_000, now: f.now, sleep: f.sleep });
    expect(rows.map((r) => r.verdict.ok)).toEqual([true, false]);
    expect(f.now()).toBeLessThan(GRACE_MS + 2000);
  });

  it('a spec mismatch that is a known deviation of the controller settles after the grace', async () => {
    const f = fake((kase) => (kase.host === 'unknown' ? { status: 404 } : echo('p0', 8081, kase.path)));
    const rows = await runTable(table, f.probe, {
      domain,
      pods,
      appliedAt: 0,
      deadline: 60_000,
      now: f.now,
      sleep: f.sleep,
      known: (kase) => kase.path === '/aaaccc',
    });
    expect(rows.map((r) => r.verdict.ok)).toEqual([true, false, true]);
    expect(rows[1]?.seen?.echo?.port).toBe(8081);
    expect(f.now()).toBeLessThan(GRACE_MS + 2000);
  });

  it('a right answer that never repeats 3 times is not settled', async () => {
    const f = fake((kase, round) => (kase.host === 'unknown' ? { status: 404 } : round % 2 === 0 ? echo('p0', 8081, '/aaa') : { status: 502 }));
    const rows = await runTable({ ...table, requests: [table.requests[0] as RequestCase] }, f.probe, {
      domain,
      pods,
      appliedAt: 0,
      deadline: 3000,
      now: f.now,
      sleep: f.sleep,
    });
    expect(rows[0]?.verdict.ok).toBe(false);
    expect(rows[0]?.settledMs).toBeUndefined();
  });
});
