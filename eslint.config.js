import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Lint encodes the architecture: modules never reach into each other's internals, platform/ into modules.
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'tmp/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  { files: ['src/web/**', 'src/common/**'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**'], message: 'The web app and common code never import server code.' }] }] } },
  {
    files: ['src/server/modules/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*/*', '!../../*'], message: 'A module imports platform/ and common/, never another module.' }] },
      ],
    },
  },
  { files: ['src/server/platform/**'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**'], message: 'platform/ holds no domain logic and imports no module.' }] }] } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
