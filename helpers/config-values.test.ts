import { describe, expect, it } from 'vitest';
import {
  InvalidValue,
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
  quote,
  text,
} from './config-values.ts';

// The problem a parser reports for a value, or the value it returns.
function problem(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidValue) return error.message;
    throw error;
  }
  throw new Error('expected InvalidValue');
}

describe('value types', () => {
  it('read KEY=VALUE pairs from flags, a variable and JSON, the value keeping any further =', () => {
    expect(keyValues.fromFlag?.(['build=12', 'url=a=b'])).toEqual({ build: '12', url: 'a=b' });
    expect(keyValues.fromText('build=12,team=net')).toEqual({ build: '12', team: 'net' });
    expect(keyValues.fromJson({ build: '12' })).toEqual({ build: '12' });
    expect(problem(() => keyValues.fromFlag?.(['build']))).toBe('must be KEY=VALUE, got "build"');
    expect(problem(() => keyValues.fromFlag?.(['=x']))).toBe('must be KEY=VALUE, got "=x"');
    expect(problem(() => keyValues.fromFlag?.(['a=1', 'a=2']))).toBe('gives "a" twice');
    expect(problem(() => keyValues.fromJson({ build: 12 }))).toBe('must be an object of strings, got number 12 for "build"');
  });

  it('say a negative duration is one, with the range allowed', () => {
    const bound = duration(1000, 600_000);
    expect(problem(() => bound.fromText('-5s'))).toBe('must be a positive duration from 1s to 10m, got -5s');
    expect(problem(() => bound.fromText('-5'))).toBe('must be a positive duration from 1s to 10m, got -5');
    expect(problem(() => bound.fromText('5'))).toBe('must be a duration such as 500ms, 30s, 2m or 1h, got "5"');
    expect(problem(() => bound.fromText('Infinitys'))).toMatch(/^must be a duration such as/);
    expect(problem(() => bound.fromText('99999999999999999999999d'))).toBe('must be from 1s to 10m, got 99999999999999999999999d');
    expect(bound.fromText(' 1.5m ')).toBe(90_000);
    expect(bound.expects).toBe('a duration from 1s to 10m such as 30s');
  });

  it('refuse an integer that is not a plain decimal within its bounds', () => {
    const qps = integer(1, 1000);
    for (const raw of ['', '0', '-1', '1e3', '0x10', 'NaN', '2.5', '1001'])
      expect(problem(() => qps.fromText(raw))).toBe(`must be an integer from 1 to 1000, got ${JSON.stringify(raw)}`);
    expect(problem(() => qps.fromJson(Number.POSITIVE_INFINITY))).toBe('must be an integer from 1 to 1000, got Infinity');
    expect(problem(() => qps.fromJson('4'))).toBe('must be a number, got string "4"');
  });

  it('refuse an empty list and an empty name, which used to mean every suite', () => {
    expect(problem(() => nameList.fromFlag?.(['']))).toBe(
      'must name at least one (lowercase letters, digits and dashes); leave it out for the default, got ""',
    );
    expect(problem(() => nameList.fromText(' , '))).toMatch(/^must name at least one/);
    expect(problem(() => nameList.fromJson([]))).toMatch(/^must name at least one/);
    expect(problem(() => nameList.fromFlag?.(['dns', '']))).toBe('has an empty name in "dns," (names are separated by commas)');
    expect(problem(() => nameList.fromText('dns,,smoke'))).toBe('has an empty name in "dns,,smoke" (names are separated by commas)');
    expect(problem(() => nameList.fromJson(['dns', 5]))).toBe('must be an array of strings, got number 5 at index 1');
    expect(problem(() => nameList.fromText('DNS'))).toBe('"DNS" is not a name (lowercase letters, digits and dashes)');
    expect(nameList.fromFlag?.(['dns', 'smoke,dns'])).toEqual(['dns', 'smoke']);
  });

  it('read check patterns one a flag, one a line of a variable (titles hold commas), or from an array', () => {
    expect(patternList.fromFlag?.(['dns/pod to pod over HTTP, TCP and UDP', ' smoke/* ', 'smoke/*'])).toEqual([
      'dns/pod to pod over HTTP, TCP and UDP',
      'smoke/*',
    ]);
    expect(patternList.fromText('dns/*\n\nstorage/lifecycle › resize as allowVolumeExpansion says; reclaim*\n')).toEqual([
      'dns/*',
      'storage/lifecycle › resize as allowVolumeExpansion says; reclaim*',
    ]);
    expect(patternList.fromJson(['dns/*'])).toEqual(['dns/*']);
    expect(problem(() => patternList.fromFlag?.(['']))).toBe('must not be an empty pattern (SUITE/CHECK TITLE, * for any text), got ""');
    expect(problem(() => patternList.fromText('\n \n'))).toBe('must name at least one pattern; leave it out for every check, got "\\n \\n"');
    expect(problem(() => patternList.fromJson([]))).toBe('must name at least one pattern; leave it out for every check');
    expect(problem(() => patternList.fromJson('dns/*'))).toBe('must be an array of check patterns, got string "dns/*"');
    expect(problem(() => patternList.fromJson(['dns/*', 5]))).toBe('must be an array of check patterns (strings), got number 5 at index 1');
    expect(problem(() => patternList.fromFlag?.(['dns/\u001b[2J']))).toBe('must be one line of text without control characters, got "dns/\\u001b[2J"');
  });

  it('keep text on one line and say so', () => {
    expect(problem(() => text.fromText(' '))).toBe('must not be empty');
    expect(problem(() => text.fromText('a\nb'))).toBe('must be one line of text without control characters, got "a\\nb"');
    expect(problem(() => path.fromJson(3))).toBe('must be a string, got number 3');
    expect(path.shape).toBe('FILE');
    expect(text.fromText('  prod ')).toBe('prod');
  });

  it('read namespaces as DNS-1123 labels and Secret names as subdomains', () => {
    expect(problem(() => dnsLabel.fromText('Bad_NS!'))).toMatch(
      /^must be a DNS-1123 label \(at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit\), got "Bad_NS!"$/,
    );
    expect(problem(() => dnsLabel.fromText('a'.repeat(64)))).toMatch(/^must be a DNS-1123 label/);
    expect(problem(() => dnsLabel.fromText('ns-'))).toMatch(/^must be a DNS-1123 label/);
    expect(problem(() => dnsLabel.fromText('my.ns'))).toMatch(/^must be a DNS-1123 label/);
    expect(dnsLabel.fromText('sd-20261203-abcdef-deploy')).toBe('sd-20261203-abcdef-deploy');
    expect(dnsSubdomain.fromText('regcred.team-a')).toBe('regcred.team-a');
    expect(problem(() => dnsSubdomain.fromText('RegCred'))).toMatch(/^must be a DNS-1123 subdomain/);
  });

  it('read image references by the runtime grammar', () => {
    for (const image of [
      'node:24',
      'localhost/shakedown/runner:0.1.0',
      'docker.io/library/node:24.21.0-alpine',
      'mirror.example:5000/a/b_c__d-e:v1',
      `node@sha256:${'a'.repeat(64)}`,
    ]) {
      expect(imageReference.fromText(image)).toBe(image);
    }
    for (const image of ['x y', 'Node:24', 'node:', ':24', 'node:24:25', '-node', 'a//b']) {
      expect(problem(() => imageReference.fromText(image))).toBe(
        `must be an image reference such as HOST/PATH:TAG (lowercase path, no spaces), got ${JSON.stringify(image)}`,
      );
    }
  });

  it('name the choices of an enum and the words of a boolean', () => {
    expect(problem(() => oneOf(['auto', 'proxy'] as const).fromText('PROXY'))).toBe('must be one of auto, proxy, got "PROXY"');
    expect(problem(() => boolean.fromText('maybe'))).toBe('must be true or false, got "maybe"');
    expect(boolean.fromText('off')).toBe(false);
  });

  it('quote values on one line and cut huge ones short', () => {
    expect(quote('a"b\n')).toBe('"a\\"b\\n"');
    expect(quote('x'.repeat(200))).toBe(`"${'x'.repeat(80)}..." (200 characters)`);
  });
});
