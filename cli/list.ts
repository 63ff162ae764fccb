// `shakedown list`: suites and checks with one-line descriptions.
import { formatListing, listSuites } from '../helpers/engine/list.ts';
import type { SuiteFile } from '../helpers/engine/suites.ts';
import type { CliIo } from './main.ts';

export async function listCommand(io: CliIo, suites: SuiteFile[], root: string): Promise<number> {
  if (suites.length === 0) {
    io.stdout.write('no suites found\n');
    return 0;
  }
  const listed = await listSuites(root, suites);
  io.stdout.write(formatListing(listed));
  return listed.some((suite) => suite.error !== undefined) ? 1 : 0;
}
