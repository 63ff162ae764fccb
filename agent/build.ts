// Bundles the agent into one self-contained ES module for a stock Node.js image:
// `npx node agent/build.ts` writes agent/dist/agent.mjs; the engine calls buildAgentBundle().
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));
const OUTPUT = fileURLToPath(new URL('./dist/agent.mjs', import.meta.url));

// dns-packet is CommonJS and calls require('buffer'); an ES module has no `require` of its own.
const REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export async function buildAgentBundle(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Whitespace and syntax only: identifiers stay, so stack traces in pod logs stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    write: false,
    banner: { js: REQUIRE_SHIM },
    logLevel: 'silent',
  });
  const [bundle] = result.outputFiles;
  if (bundle === undefined) throw new Error('esbuild produced no output');
  return bundle.text;
}

if (import.meta.main) {
  const text = await buildAgentBundle();
  await mkdir(dirname(OUTPUT), { recursive: true });
  await writeFile(OUTPUT, text);
  console.log(`wrote ${OUTPUT} (${Buffer.byteLength(text)} bytes)`);
}
