// Lint: typescript-eslint's type-aware checks for the mistakes that cost most here (a promise
// not awaited is a write that may not have happened), and the module boundaries of
// docs/ARCHITECTURE.md. Formatting is Prettier's (`npm run format`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** An adapter imports the adapter contract and core, never another adapter. */
const OTHER_ADAPTER = {
  regex: String.raw`^\.\./(?!types\.js$|base-schema\.js$|registry\.js$)[^./][^/]*/`,
  message: 'an adapter never imports another adapter: move shared code to src/core',
};
const CLI = { regex: String.raw`(^|/)cli/`, message: 'core, state, export and adapters never import the command layer (src/cli)' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'fixtures/**', 'bench/**', 'scripts/**', '.privacyctl/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off', // byte and header scanners match control characters on purpose
    },
  },
  { files: ['src/core/**', 'src/state/**', 'src/export/**', 'src/adapters/**'], rules: { 'no-restricted-imports': ['error', { patterns: [CLI] }] } },
  { files: ['src/adapters/*/**'], rules: { 'no-restricted-imports': ['error', { patterns: [CLI, OTHER_ADAPTER] }] } },
  { files: ['__tests__/**'], rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' } },
  // GitHub's JSON as Octokit returns it: shapes checked by the fake against GitHub's OpenAPI description, not by types
  { files: ['src/adapters/github/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
