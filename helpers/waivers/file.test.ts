import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thrown } from '../testing/shakedown-error.ts';
import { isDate, parseWaivers, readWaivers } from './file.ts';

const YAML = `# known failures of the staging cluster
waivers:
  - check: "dns/load › *"
    reason: CoreDNS is undersized until the node pool grows (OPS-1234)
    until: 2027-03-31

  - check: netpol/*
    reason: >
      the CNI enforces no policy
      on this cluster
    until: "2027-01-15"
    context: staging-*
    server: https://10.0.0.1:6443
`;

const problem = (path: string, text: string): string => thrown(() => parseWaivers(path, text)).message;

describe('parseWaivers (YAML)', () => {
  it('reads every entry with the line it starts on, text folded to one line', () => {
    expect(parseWaivers('/w.yaml', YAML)).toEqual([
      { check: 'dns/load › *', reason: 'CoreDNS is undersized until the node pool grows (OPS-1234)', until: '2027-03-31', file: '/w.yaml', line: 3 },
      {
        check: 'netpol/*',
        reason: 'the CNI enforces no policy on this cluster',
        until: '2027-01-15',
        context: 'staging-*',
        server: 'https://10.0.0.1:6443',
        file: '/w.yaml',
        line: 7,
      },
    ]);
  });

  it('takes a list at the top as well, and an empty list', () => {
    expect(parseWaivers('/w.yml', '- {check: a/b, reason: r, until: 2027-01-01}\n').map((w) => [w.check, w.line])).toEqual([['a/b', 1]]);
    expect(parseWaivers('/w.yml', 'waivers: []\n')).toEqual([]);
    expect(parseWaivers('/w.yml', 'waivers:\n')).toEqual([]);
  });

  it('names the line of a syntax error', () => {
    expect(problem('/w.yaml', 'waivers:\n  - check: a/b\n    reason: [unclosed\n    until: 2027-01-01\n')).toMatch(/^\/w\.yaml:\d: not valid YAML: /);
    expect(problem('/w.yaml', 'waivers:\n  - check: a/b\n    check: c/d\n')).toBe('/w.yaml:3: not valid YAML: duplicated mapping key');
    expect(problem('/w.yaml', 'waivers:\n  - check: a/b\n   reason: x\n')).toMatch(/^\/w\.yaml:3: not valid YAML: /);
  });

  it('names the line of the entry that is wrong, and what is wrong with it', () => {
    const entries = (third: string) => `waivers:\n  - check: a/b\n    reason: r\n    until: 2027-01-01\n${third}`;
    expect(problem('/w.yaml', entries('  - check: c/d\n    reason: r\n'))).toBe('/w.yaml:5: waiver 2: "until" is missing');
    expect(problem('/w.yaml', entries('  - check: c/d\n    reason: r\n    until: next week\n'))).toBe(
      '/w.yaml:5: waiver 2: "until" must be a date YYYY-MM-DD (the last day the waiver holds), got "next week"',
    );
    expect(problem('/w.yaml', entries('  - check: c/d\n    reason: r\n    until: 2027-02-29\n'))).toBe(
      '/w.yaml:5: waiver 2: "until" must be a date YYYY-MM-DD (the last day the waiver holds), got "2027-02-29"',
    );
    expect(problem('/w.yaml', entries('  - check: c/d\n    reason: r\n    until: 20270101\n'))).toBe(
      '/w.yaml:5: waiver 2: "until" must be a date YYYY-MM-DD in quotes or plain, got number 20270101',
    );
    expect(problem('/w.yaml', entries('\n\n  - check: c/d\n    reason: r\n    untill: 2027-01-01\n'))).toBe(
      '/w.yaml:7: waiver 2: unknown key "untill" (a waiver has check, reason, until, context, server)',
    );
    expect(problem('/w.yaml', entries('  - check: ""\n    reason: r\n    until: 2027-01-01\n'))).toBe('/w.yaml:5: waiver 2: "check" must not be empty');
    expect(problem('/w.yaml', entries('  - check: [a, b]\n    reason: r\n    until: 2027-01-01\n'))).toBe(
      '/w.yaml:5: waiver 2: "check" must be a string, got a list',
    );
    expect(problem('/w.yaml', entries('  - dns/*\n'))).toBe('/w.yaml:5: waiver 2: must be a mapping of check, reason and until, got string "dns/*"');
    expect(problem('/w.yaml', entries('  - check: c/d\n    until: 2027-01-01\n'))).toBe('/w.yaml:5: waiver 2: "reason" is missing');
  });

  it('refuses what is not a list of waivers, naming the line', () => {
    expect(problem('/w.yaml', '')).toBe('/w.yaml:1: the waivers file is empty: expected "waivers:" and a list of entries');
    expect(problem('/w.yaml', 'just text\n')).toBe('/w.yaml:1: expected a list of waivers (or "waivers:" and a list), got string "just text"');
    expect(problem('/w.yaml', '# a comment\nwaiver:\n  - check: a\n')).toBe(
      '/w.yaml:2: unknown key "waiver" at the top: the file holds "waivers", a list of entries',
    );
    expect(problem('/w.yaml', 'waivers:\n  check: a\n')).toBe('/w.yaml:1: "waivers" must be a list of entries, got a mapping');
  });

  it('gives every failure a hint that says what an entry holds', () => {
    expect(thrown(() => parseWaivers('/w.yaml', 'waivers:\n  - {}\n')).hint).toMatch(
      /^Each waiver is a mapping of check \(a pattern or id such as "dns\/\*"\), reason, until/,
    );
    expect(thrown(() => parseWaivers('/w.yaml', 'waivers:\n  - {}\n')).code).toBe('SD_CONFIG_INVALID');
  });
});

describe('parseWaivers (JSON, by the file name)', () => {
  const JSON_TEXT =
    '{\n  "waivers": [\n    {\n      "check": "dns/*",\n      "reason": "r",\n      "until": "2027-01-01"\n    },\n    { "check": "smoke/*", "reason": "s", "until": "2027-01-02", "context": "kind-*" }\n  ]\n}\n';

  it('reads every entry with the line it starts on', () => {
    expect(parseWaivers('/w.json', JSON_TEXT).map((w) => [w.check, w.line, w.context])).toEqual([
      ['dns/*', 3, undefined],
      ['smoke/*', 8, 'kind-*'],
    ]);
  });

  it('names the line of a parse error, and of the entry that is wrong', () => {
    expect(problem('/w.json', '{\n  "waivers": [\n    { "check": "a", }\n  ]\n}\n')).toMatch(/^\/w\.json:3: not valid JSON: /);
    expect(problem('/w.json', '{\n  "waivers": [\n')).toMatch(/^\/w\.json:2: not valid JSON: /);
    expect(problem('/w.json', JSON_TEXT.replace('"2027-01-02"', '"2027-1-2"'))).toBe(
      '/w.json:8: waiver 2: "until" must be a date YYYY-MM-DD (the last day the waiver holds), got "2027-1-2"',
    );
    expect(problem('/w.json', JSON_TEXT.replace('"reason": "r"', '"reason": 5'))).toBe('/w.json:3: waiver 1: "reason" must be a string, got number 5');
  });
});

describe('readWaivers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-waivers-'));

  it('reads a file, and refuses one that is missing or a directory, naming the flag', () => {
    const path = join(dir, 'w.yaml');
    writeFileSync(path, YAML);
    expect(readWaivers(path, { kind: 'flag', flag: 'waivers' })).toHaveLength(2);
    expect(thrown(() => readWaivers(join(dir, 'nope.yaml'), { kind: 'flag', flag: 'waivers' })).message).toBe(
      `cannot read the waivers file ${join(dir, 'nope.yaml')} (from --waivers): no such file`,
    );
    expect(thrown(() => readWaivers(dir, { kind: 'env', variable: 'SHAKEDOWN_WAIVERS' })).message).toBe(
      `cannot read the waivers file ${dir} (from SHAKEDOWN_WAIVERS): it is a directory`,
    );
  });
});

describe('isDate', () => {
  it('is a real calendar day in YYYY-MM-DD', () => {
    expect(['2027-03-31', '2028-02-29'].map(isDate)).toEqual([true, true]);
    expect(['2027-02-29', '2027-13-01', '2027-3-31', '31.03.2027', '2027-03-31T00:00:00Z'].map(isDate)).toEqual([false, false, false, false, false]);
  });
});
