// Lint rules that matter here: type-aware rules for promises (a floating or misused promise is a
// hang or an unhandled rejection in the middle of a run), and the engine (helpers/, reports/) never imports suites/.
import { dirname, relative, resolve, sep } from 'node:path';
import tseslint from 'typescript-eslint';

// suites/<a>/... may import suites/<a>/ and suites/lib/ only; suites/lib/ imports no suite folder.
const suiteOf = (file) => {
  const parts = relative(import.meta.dirname, file).split(sep);
  return parts[0] === 'suites' && parts.length > 2 ? parts[1] : undefined;
};
const noCrossSuiteImports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const from = suiteOf(context.filename);
    const check = (node) => {
      const spec = node.source?.type === 'Literal' && typeof node.source.value === 'string' ? node.source.value : undefined;
      if (from === undefined || spec === undefined || !spec.startsWith('.')) return;
      const to = suiteOf(resolve(dirname(context.filename), spec));
      if (to !== undefined && to !== from && to !== 'lib')
        context.report({
          node: node.source,
          message: `suites/${from}/ imports suites/${to}/: ${from === 'lib' ? 'what suites share imports no suite' : "a suite never imports another suite's folder; move what both need into suites/lib/"}.`,
        });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.cluster/**', 'out/**', 'agent/dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['helpers/**', 'reports/**', 'agent/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/suites/**', '**/suites'], message: 'The engine never imports suites/.' },
            { group: ['**/cli/**', '**/cli'], message: 'The engine and the reporters never import cli/: the CLI composes them.' },
          ],
        },
      ],
    },
  },
  {
    // A suite speaks to the engine (helpers/) only; how its results are drawn is the reporters' business.
    files: ['suites/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/reports/**', '**/reports'], message: 'Suites never import reports/: put shared formats in helpers/.' },
            { group: ['**/cli/**', '**/cli'], message: 'Suites never import cli/.' },
          ],
        },
      ],
    },
  },
  {
    // The reporters import the engine's shared types (result, errors, reporter); the engine takes its
    // Reporter from the caller and never imports reports/, so there is no cycle between the two.
    files: ['helpers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/suites/**', '**/suites'], message: 'The engine never imports suites/.' },
            { group: ['**/cli/**', '**/cli'], message: 'The engine never imports cli/.' },
            { group: ['**/reports/**', '**/reports'], message: 'The engine never imports reports/: the CLI composes the reporters and passes them in.' },
          ],
        },
      ],
    },
  },
  {
    // Suites declare; the engine waits, probes and keeps evidence (STYLE.md 15): no sleep, timer or
    // endless loop in a suite (helpers/wait/: poll, relook, pause, timeoutSignal, the watch), and no
    // event or log read of its own (helpers/objects/pod-output.ts). Code shipped to a pod inside a
    // string is not looked at.
    files: ['suites/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate)$/]',
          message: 'A suite never sleeps or sets timers: wait with helpers/wait/poll.ts (poll, relook, pause) or bound a request with timeoutSignal.',
        },
        {
          selector: 'CallExpression[callee.object.name=/^(globalThis|global)$/][callee.property.name=/^(setTimeout|setInterval|setImmediate)$/]',
          message: 'A suite never sleeps or sets timers: wait with helpers/wait/poll.ts.',
        },
        {
          selector: 'ForStatement[test=null]',
          message: 'No endless loop in a suite: poll with a policy (helpers/wait/poll.ts) or settle cases in rounds (helpers/wait/rounds.ts).',
        },
        { selector: "WhileStatement[test.type='Literal'][test.value=true]", message: 'No endless loop in a suite: poll with a policy (helpers/wait/poll.ts).' },
        {
          selector: "DoWhileStatement[test.type='Literal'][test.value=true]",
          message: 'No endless loop in a suite: poll with a policy (helpers/wait/poll.ts).',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(listNamespacedEvent|listEventForAllNamespaces|readNamespacedPodLog)$/]',
          message:
            'A suite reads events and logs through the engine: helpers/objects/pod-output.ts (eventsAbout, podLog, logTailEvidence), or track the object and let failure evidence gather them.',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:timers/promises', message: 'A suite never sleeps: wait with helpers/wait/poll.ts.' },
            { name: 'timers/promises', message: 'A suite never sleeps: wait with helpers/wait/poll.ts.' },
            { name: 'node:timers', message: 'A suite never sets timers: wait with helpers/wait/poll.ts.' },
          ],
          patterns: [
            { group: ['**/reports/**', '**/reports'], message: 'Suites never import reports/: put shared formats in helpers/.' },
            { group: ['**/cli/**', '**/cli'], message: 'Suites never import cli/.' },
          ],
        },
      ],
    },
  },
  {
    // A suite imports no other suite's folder: what several suites share lives in suites/lib/.
    files: ['suites/**'],
    plugins: { suites: { rules: { 'no-cross-suite-imports': noCrossSuiteImports } } },
    rules: { 'suites/no-cross-suite-imports': 'error' },
  },
);
