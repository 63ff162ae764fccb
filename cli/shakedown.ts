#!/usr/bin/env node
// The `shakedown` command. Sets the exit code and lets the process end on its own.
import { stopRequested } from '../helpers/run/signals.ts';
import { main, processIo } from './main.ts';

const STOP_GRACE_MS = 1000;

process.exitCode = await main(processIo());

// After Ctrl-C or SIGTERM the run has cleaned up and written its reports; anything it abandoned
// (a plugin that ignores SIGTERM, a worker that does not end) gets a second, then the process ends.
if (stopRequested().aborted) setTimeout(() => process.exit(), STOP_GRACE_MS).unref();
