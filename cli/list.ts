// `shakedown list`: suites and checks with one-line descriptions, from the manifests alone.
import { formatListing } from '../helpers/engine/list.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import type { CliIo } from './io.ts';

export function listCommand(io: CliIo, suites: readonly LoadedSuite[], verbose: boolean): number {
  if (suites.length === 0) {
    io.stdout.write('no suites found\n');
    return 0;
  }
  io.stdout.write(
    formatListing(
      suites.map((suite) => suite.manifest),
      { verbose },
    ),
  );
  return 0;
}
