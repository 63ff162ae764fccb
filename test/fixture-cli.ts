// The shakedown CLI over the toy suites of test/fixtures/suites instead of suites/, run in a child
// process by test/cli.test.ts.
import { join } from 'node:path';
import { main, processIo } from '../cli/main.ts';

process.exitCode = await main({ ...processIo(), suitesDir: join(import.meta.dirname, 'fixtures', 'suites') });
