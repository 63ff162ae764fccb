import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { discoverSuites, loadSuites } from '../helpers/engine/suites.ts';
import { thrown } from '../helpers/testing/shakedown-error.ts';
import { bashCompletion, commandFlags, completionScript } from './completion.ts';

const manifests = (await loadSuites(discoverSuites())).map((suite) => suite.manifest);

// What bash completes for a command line typed up to its last word (the script sourced, the
// function called as bash calls it).
function complete(line: string[]): string[] {
  const script = `${bashCompletion(manifests)}\nCOMP_WORDS=(${line.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _shakedown; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' })
    .split('\n')
    .filter((word) => word !== '');
}

describe('shakedown completion', () => {
  it('is a bash script that parses, for bash and for zsh (through bashcompinit)', () => {
    execFileSync('bash', ['-n'], { input: completionScript('bash', manifests) });
    expect(completionScript('zsh', manifests)).toMatch(/^# shakedown completion \(zsh\)[^\n]*\nautoload -U \+X bashcompinit && bashcompinit\n/);
  });

  it('completes commands, the flags each command parses, and suite names after --suite', () => {
    expect(complete(['shakedown', 'ga'])).toEqual(['gate']);
    expect(complete(['shakedown', 'run', '--junit-p'])).toEqual(['--junit-property']);
    expect(complete(['shakedown', 'run', '--fail'])).toEqual(['--fail-on']);
    expect(complete(['shakedown', 'gate', '--netpol-b'])).toEqual(['--netpol-bound']);
    expect(complete(['shakedown', 'list', '--netpol-b'])).toEqual([]);
    expect(complete(['shakedown', 'run', '--suite', 'ne'])).toEqual(['netpol', 'network']);
    expect(commandFlags(manifests).get('run')).toContain('--no-keep-on-failure');
    expect(complete(['shakedown', 'run', '--skip'])).toEqual(['--skip-check']);
    expect(complete(['shakedown', 'gate', '--wai'])).toEqual(['--waivers']);
    expect(complete(['shakedown', 'run', '--check', 'ne'])).toEqual(['netpol/', 'network/']);
  });

  it('completes the flags of a command that parses its own (history), and files after them', () => {
    expect(complete(['shakedown', 'hi'])).toEqual(['history']);
    expect(complete(['shakedown', 'history', '--fl'])).toEqual(['--flaky-flips']);
    expect(commandFlags(manifests).get('history')).toEqual(['--flaky-flips', '--help', '--html', '--json']);
  });

  it('refuses a shell it does not know, naming the ones it does', () => {
    expect(thrown(() => completionScript('fish', manifests)).message).toBe('shakedown completion takes a shell: bash or zsh, got "fish"');
  });
});
