#!/usr/bin/env node
// The `shakedown` command. Sets the exit code and lets the process end on its own.
import { main, processIo } from './main.ts';

process.exitCode = await main(processIo());
