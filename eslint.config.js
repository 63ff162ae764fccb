// Lint rules that matter here: type-aware basics, and the engine (helpers/, reports/) never imports suites/.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.cluster/**', 'out/**', 'agent/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['helpers/**', 'reports/**', 'agent/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/suites/**', '**/suites'], message: 'The engine never imports suites/.' }] }],
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
            { group: ['**/reports/**', '**/reports'], message: 'The engine never imports reports/: the CLI composes the reporters and passes them in.' },
          ],
        },
      ],
    },
  },
);
