import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_MAX_BYTES, describeSource, loadConfigFile, parseConfigText, resolveSettings, resolveSuiteOptions, type Layers } from './config.ts';
import { duration, integer, text } from './config-values.ts';
import { defineManifest, option, suiteOptions } from './engine/manifest.ts';
import { thrown } from './testing/shakedown-error.ts';

const cwd = '/work/here';

function layers(overrides: Partial<Layers> = {}): Layers {
  return { flags: {}, env: {}, cwd, ...overrides };
}

describe('resolveSettings', () => {
  it('takes the flag over the variable over the file over the default, and says where each came from', () => {
    const file = { path: '/etc/sd/shakedown.json', values: { probeImage: 'file/img:1', concurrency: 3, apiQps: 7 } };
    const { settings, sources } = resolveSettings(
      ['probeImage', 'concurrency', 'apiQps', 'checkTimeout'],
      layers({
        flags: { 'probe-image': 'flag/img:1' },
        env: { SHAKEDOWN_PROBE_IMAGE: 'env/img:1', SHAKEDOWN_CONCURRENCY: '5' },
        file,
      }),
    );
    expect(settings).toEqual({ probeImage: 'flag/img:1', concurrency: 5, apiQps: 7, checkTimeout: 90_000 });
    expect(Object.fromEntries(Object.entries(sources).map(([key, source]) => [key, describeSource(source)]))).toEqual({
      probeImage: '--probe-image',
      concurrency: 'SHAKEDOWN_CONCURRENCY',
      apiQps: '/etc/sd/shakedown.json: key "apiQps"',
      checkTimeout: 'the default',
    });
  });

  it('ignores an empty environment variable', () => {
    const { settings } = resolveSettings(['context'], layers({ env: { SHAKEDOWN_CONTEXT: '' }, file: { path: '/f.json', values: { context: 'prod' } } }));
    expect(settings.context).toBe('prod');
  });

  it('resolves paths against the working directory for flags and against the file for the file', () => {
    const fromFlag = resolveSettings(['junit'], layers({ flags: { junit: 'out/junit.xml' } }));
    expect(fromFlag.settings.junit).toBe('/work/here/out/junit.xml');
    const fromFile = resolveSettings(['junit'], layers({ file: { path: '/etc/sd/shakedown.json', values: { junit: 'reports/j.xml' } } }));
    expect(fromFile.settings.junit).toBe('/etc/sd/reports/j.xml');
  });

  it('joins repeated and comma-separated suite flags, dropping duplicates', () => {
    const { settings } = resolveSettings(['suites'], layers({ flags: { suite: ['services', 'dns,services'] } }));
    expect(settings.suites).toEqual(['services', 'dns']);
    expect(resolveSettings(['suites'], layers({ env: { SHAKEDOWN_SUITES: 'dns, smoke' } })).settings.suites).toEqual(['dns', 'smoke']);
  });

  it('parses durations with units into milliseconds and booleans from words', () => {
    const { settings } = resolveSettings(
      ['setupTimeout', 'probeTimeout', 'keepOnFailure'],
      layers({
        flags: { 'setup-timeout': '2m', 'keep-on-failure': true },
        env: { SHAKEDOWN_PROBE_TIMEOUT: '1500ms' },
      }),
    );
    expect(settings).toEqual({ setupTimeout: 120_000, probeTimeout: 1500, keepOnFailure: true });
    expect(resolveSettings(['keepOnFailure'], layers({ env: { SHAKEDOWN_KEEP_ON_FAILURE: 'no' } })).settings.keepOnFailure).toBe(false);
  });

  it('names the flag of a bad flag value with SD_BAD_FLAG', () => {
    const error = thrown(() => resolveSettings(['concurrency'], layers({ flags: { concurrency: 'lots' } })));
    expect(error.code).toBe('SD_BAD_FLAG');
    expect(error.message).toBe('--concurrency must be an integer from 1 to 64, got "lots"');
  });

  it('names the variable of a bad environment value', () => {
    const error = thrown(() => resolveSettings(['probeTimeout'], layers({ env: { SHAKEDOWN_PROBE_TIMEOUT: '2' } })));
    expect(error.code).toBe('SD_CONFIG_INVALID');
    expect(error.message).toBe('SHAKEDOWN_PROBE_TIMEOUT must be a duration such as 500ms, 30s, 2m or 1h, got "2"');
  });

  it('names the file and the key of a bad file value', () => {
    const error = thrown(() => resolveSettings(['transport'], layers({ file: { path: '/etc/sd.json', values: { transport: 'carrier-pigeon' } } })));
    expect(error.code).toBe('SD_CONFIG_INVALID');
    expect(error.message).toBe('/etc/sd.json: key "transport" must be one of auto, proxy, exec, got "carrier-pigeon"');
    const typed = thrown(() => resolveSettings(['concurrency'], layers({ file: { path: '/etc/sd.json', values: { concurrency: '4' } } })));
    expect(typed.message).toBe('/etc/sd.json: key "concurrency" must be a number, got string "4"');
  });

  it('rejects a bad value even when a later layer would have been fine', () => {
    expect(() => resolveSettings(['namespaceTtl'], layers({ flags: { 'namespace-ttl': '10s' }, env: { SHAKEDOWN_NAMESPACE_TTL: '1h' } }))).toThrow(
      '--namespace-ttl must be from 1m to 30d, got 10s',
    );
  });
});

describe('config file', () => {
  it('is read from --config before SHAKEDOWN_CONFIG, relative to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-config-'));
    writeFileSync(join(dir, 'a.json'), '{"context": "a"}');
    writeFileSync(join(dir, 'b.json'), '{"context": "b"}');
    expect(loadConfigFile({ config: 'a.json' }, { SHAKEDOWN_CONFIG: 'b.json' }, dir)).toEqual({ path: join(dir, 'a.json'), values: { context: 'a' } });
    expect(loadConfigFile({}, { SHAKEDOWN_CONFIG: 'b.json' }, dir)?.values).toEqual({ context: 'b' });
    expect(loadConfigFile({}, {}, dir)).toBeUndefined();
  });

  it('names a missing file and where it was named', () => {
    const error = thrown(() => loadConfigFile({}, { SHAKEDOWN_CONFIG: '/nonexistent/sd.json' }, '/'));
    expect(error.code).toBe('SD_CONFIG_INVALID');
    expect(error.message).toBe('cannot read the config file /nonexistent/sd.json (from SHAKEDOWN_CONFIG): no such file');
  });

  it('refuses a directory, a FIFO and a huge file before reading them, naming the file and where it was named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-config-'));
    expect(thrown(() => loadConfigFile({ config: dir }, {}, '/')).message).toBe(`cannot read the config file ${dir} (from --config): it is a directory`);
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    // Reading a FIFO would block until a writer came: it is refused from its type.
    expect(thrown(() => loadConfigFile({}, { SHAKEDOWN_CONFIG: fifo }, '/')).message).toBe(
      `cannot read the config file ${fifo} (from SHAKEDOWN_CONFIG): it is not a regular file (a FIFO, socket or device)`,
    );
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, ' '.repeat(CONFIG_MAX_BYTES + 1));
    expect(thrown(() => loadConfigFile({ config: huge }, {}, '/')).message).toMatch(/: it is 1048577 bytes; a config file is at most 1048576$/);
    const blank = thrown(() => loadConfigFile({}, { SHAKEDOWN_CONFIG: ' ' }, '/'));
    expect([blank.code, blank.message]).toEqual(['SD_CONFIG_INVALID', 'SHAKEDOWN_CONFIG must name a file, got " "']);
    expect(thrown(() => loadConfigFile({ config: '' }, {}, '/')).code).toBe('SD_BAD_FLAG');
  });

  it('reads a file that starts with a byte order mark, and refuses a key given twice', () => {
    expect(parseConfigText('/x.json', '\uFEFF{"context": "a"}')).toEqual({ context: 'a' });
    expect(thrown(() => parseConfigText('/x.json', '{"concurrency": 4, "context": {"concurrency": 1}, "concurrency" : 5}')).message).toBe(
      '/x.json: key "concurrency" is given twice',
    );
    expect(parseConfigText('/x.json', '{"context": "a\\"b", "$schema": "s"}')).toEqual({ context: 'a"b', $schema: 's' });
    expect(thrown(() => parseConfigText('/x.json', '{"$schema": 5}')).message).toBe('/x.json: key "$schema" must be a string (the schema\'s URL), got number');
    expect(thrown(() => parseConfigText('/x.json', '')).message).toBe('/x.json is not valid JSON: it is empty');
    expect(thrown(() => parseConfigText('/x.json', '{\n"a": x\n}')).message).not.toContain('\n');
  });

  it('hints at the place to fix: the variable, or the key in the file', () => {
    expect(thrown(() => resolveSettings(['apiQps'], layers({ env: { SHAKEDOWN_API_QPS: '0' } }))).hint).toBe(
      'Fix or unset SHAKEDOWN_API_QPS; a flag overrides it.',
    );
    expect(thrown(() => resolveSettings(['apiQps'], layers({ file: { path: '/etc/sd.json', values: { apiQps: 0 } } }))).hint).toBe(
      'Fix the key "apiQps" in /etc/sd.json; a flag or environment variable overrides it.',
    );
  });

  it('rejects bad JSON, a non-object and an unknown key, naming the file (and the key)', () => {
    expect(thrown(() => parseConfigText('/x.json', '{"context": ')).message).toMatch(/^\/x\.json is not valid JSON: /);
    expect(thrown(() => parseConfigText('/x.json', '[1]')).message).toBe('/x.json must hold a JSON object of settings');
    const unknown = thrown(() => parseConfigText('/x.json', '{"context": "a", "probeimage": "x"}'));
    expect(unknown.message).toBe('/x.json: key "probeimage" is not a setting');
    expect(unknown.details).toContain('probeImage');
  });
});

describe('suite options', () => {
  const dns = defineManifest({
    name: 'dns',
    description: 'a suite with options',
    checks: {},
    options: {
      queries: option({ key: 'dnsQueries', flag: 'dns-queries', env: 'SHAKEDOWN_DNS_QUERIES', type: integer(10, 5000), default: 500, describe: 'how many' }),
      upstream: option<string, undefined>({
        key: 'dnsUpstream',
        flag: 'dns-upstream',
        env: 'SHAKEDOWN_DNS_UPSTREAM',
        type: text,
        default: undefined,
        describe: 'a name',
      }),
      bound: option({ key: 'dnsBound', flag: 'dns-bound', env: 'SHAKEDOWN_DNS_BOUND', type: duration(1000, 60_000), default: 30_000, describe: 'how long' }),
    },
    permissions: [],
    setup: ['fleet'],
    exclusive: false,
    images: [],
  });

  it('follow the one precedence rule and reach the suite typed', () => {
    const file = { path: '/etc/sd.json', values: { dnsQueries: 20, dnsUpstream: 'file.example', dnsBound: '5s' } };
    const options = resolveSuiteOptions(
      [dns],
      layers({ flags: { 'dns-queries': '40' }, env: { SHAKEDOWN_DNS_QUERIES: '30', SHAKEDOWN_DNS_UPSTREAM: 'env.example' }, file }),
    );
    expect(options).toEqual({ dns: { queries: 40, upstream: 'env.example', bound: 5000 } });
    const typed = suiteOptions({ options }, dns);
    const queries: number = typed.queries;
    const upstream: string | undefined = typed.upstream;
    expect([queries, upstream]).toEqual([40, 'env.example']);
    expect(resolveSuiteOptions([dns], layers())).toEqual({ dns: { queries: 500, upstream: undefined, bound: 30_000 } });
  });

  it('name the key and where a bad value came from', () => {
    expect(thrown(() => resolveSuiteOptions([dns], layers({ env: { SHAKEDOWN_DNS_BOUND: '30000' } }))).message).toBe(
      'SHAKEDOWN_DNS_BOUND must be a duration such as 500ms, 30s, 2m or 1h, got "30000"',
    );
    const fromFile = thrown(() => resolveSuiteOptions([dns], layers({ file: { path: '/etc/sd.json', values: { dnsQueries: 3 } } })));
    expect(fromFile.code).toBe('SD_CONFIG_INVALID');
    expect(fromFile.message).toBe('/etc/sd.json: key "dnsQueries" must be an integer from 10 to 5000, got 3');
    expect(thrown(() => resolveSuiteOptions([dns], layers({ flags: { 'dns-queries': 'many' } }))).code).toBe('SD_BAD_FLAG');
  });

  it('of a suite the run leaves out are still checked, and refused as flags, which would do nothing', () => {
    const netpol = {
      ...dns,
      name: 'netpol',
      options: {
        bound: option({
          key: 'netpolBound',
          flag: 'netpol-bound',
          env: 'SHAKEDOWN_NETPOL_BOUND',
          type: duration(1000, 600_000),
          default: 30_000,
          describe: 'how long',
        }),
      },
    };
    expect(resolveSuiteOptions([dns], layers({ env: { SHAKEDOWN_NETPOL_BOUND: '45s' } }), [dns, netpol])).toEqual({
      dns: { queries: 500, upstream: undefined, bound: 30_000 },
    });
    expect(thrown(() => resolveSuiteOptions([dns], layers({ env: { SHAKEDOWN_NETPOL_BOUND: '0s' } }), [dns, netpol])).message).toBe(
      'SHAKEDOWN_NETPOL_BOUND must be from 1s to 10m, got 0s',
    );
    const flag = thrown(() => resolveSuiteOptions([dns], layers({ flags: { 'netpol-bound': '45s' } }), [dns, netpol]));
    expect([flag.code, flag.message]).toEqual([
      'SD_BAD_FLAG',
      '--netpol-bound is an option of suite netpol, which this run leaves out (it runs dns); add --suite netpol, or leave the flag out',
    ]);
    expect(resolveSuiteOptions([dns, netpol], layers({ flags: { 'netpol-bound': '45s' } }), [dns, netpol]).netpol).toEqual({ bound: 45_000 });
  });

  it('are known keys of the config file', () => {
    expect(parseConfigText('/x.json', '{"dnsQueries": 20}', ['dnsQueries'])).toEqual({ dnsQueries: 20 });
    expect(thrown(() => parseConfigText('/x.json', '{"dnsQueries": 20}')).message).toBe('/x.json: key "dnsQueries" is not a setting');
  });
});
