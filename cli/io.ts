// What a command is given to run with: its arguments, environment, directories and output streams
// (the process's, or a test's). Every command module takes it; cli/main.ts dispatches to them.
import { homedir } from 'node:os';
import type { Env } from '../helpers/config.ts';
import type { OutputStream } from '../helpers/reporter.ts';

export interface CliIo {
  argv: string[];
  env: Env;
  cwd: string;
  home: string | undefined;
  stdout: OutputStream;
  stderr: OutputStream;
  // Where suites are found; tests point these at fixtures.
  root?: string;
  suitesDir?: string;
}

export function processIo(): CliIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME ?? homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
