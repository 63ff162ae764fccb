// The lint rules that hold the layering and the engine's monopoly on waiting, run on code they must
// refuse and code they must let through (eslint.config.js): a suite that sleeps, sets a timer, loops
// without end or reads events and logs itself fails `npm test`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax' || m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// An existing suite file, so that the type-aware rules find it in the project.
const SUITE_FILE = 'suites/smoke/smoke.suite.ts';

describe('a suite never waits, times or reads events and logs by hand', { timeout: 60_000 }, () => {
  it.each([
    ['a sleep', 'export async function f(): Promise<void> { await new Promise((resolve) => setTimeout(resolve, 500)); }\n', /never sleeps or sets timers/],
    ['a timer on globalThis', 'export function f(): void { globalThis.setInterval(() => undefined, 500); }\n', /never sleeps or sets timers/],
    ['an endless for', 'export function f(): number { let n = 0; for (;;) { if (n++ > 3) return n; } }\n', /No endless loop/],
    ['an endless while', 'export function f(): number { let n = 0; while (true) { if (n++ > 3) return n; } }\n', /No endless loop/],
    ['timers/promises', "import { setTimeout as sleep } from 'node:timers/promises';\nexport const f = () => sleep(5);\n", /never sleeps/],
    [
      'an event read',
      "import type { CoreV1Api } from '@kubernetes/client-node';\nexport const f = (core: CoreV1Api) => core.listNamespacedEvent({ namespace: 'x' });\n",
      /reads events and logs through the engine/,
    ],
    [
      'a log read',
      "import type { CoreV1Api } from '@kubernetes/client-node';\nexport const f = (core: CoreV1Api) => core.readNamespacedPodLog({ namespace: 'x', name: 'y' });\n",
      /reads events and logs through the engine/,
    ],
  ])('refuses %s', async (_what, code, message) => {
    const found = await problems(code, SUITE_FILE);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('lets through a bounded loop, a timer inside a script shipped to a pod, and the engine’s own waits', async () => {
    const code = [
      "import { poll } from '../../helpers/wait/poll.ts';",
      'export const script = `const t = setTimeout(() => process.exit(1), 5000); for (;;) {}`;',
      'export async function f(): Promise<number> { let n = 0; while (n < 3) n++; return (await poll(async () => n, (v) => v === 3, { timeoutMs: 10 })).value; }',
      '',
    ].join('\n');
    expect(await problems(code, SUITE_FILE)).toEqual([]);
  });

  it('leaves the engine and the tests free to wait', async () => {
    expect(
      await problems('export async function f(): Promise<void> { await new Promise((resolve) => setTimeout(resolve, 5)); }\n', 'helpers/wait/poll.ts'),
    ).toEqual([]);
  });
});
