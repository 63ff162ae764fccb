// Lint rules that matter here: type-aware rules for promises (a floating or misused promise is a
// hang or an unhandled rejection in the middle of a run), and the engine (helpers/, reports/) never imports suites/.
import tseslint from 'typescript-eslint';

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
);
