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
);
