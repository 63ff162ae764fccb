#!/usr/bin/env node
// The `shakedown` bin. The command is TypeScript run by Node's type stripping, which Node refuses
// inside node_modules; so, when this package is installed there, its .ts modules are stripped by
// a load hook (the same transformation Node applies in a checkout), then the command starts.
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';

const packageRoot = new URL('../', import.meta.url).href;

if (packageRoot.includes('/node_modules/')) {
  // The stripping is the one Node itself uses; its "experimental" notice would only be noise here.
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => (String(warning).includes('stripTypeScriptTypes') ? undefined : emitWarning.call(process, warning, ...rest));
  registerHooks({
    load(url, context, nextLoad) {
      const own = url.startsWith(packageRoot) && !url.slice(packageRoot.length).startsWith('node_modules/');
      if (!own || !url.endsWith('.ts')) return nextLoad(url, context);
      return { format: 'module', source: stripTypeScriptTypes(readFileSync(new URL(url), 'utf8')), shortCircuit: true };
    },
  });
}

await import('./shakedown.ts');
