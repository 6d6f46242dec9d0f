// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.dist.*/', '.astro/', 'node_modules/', 'evidence/', 'tests/data/', 'tests/corpus/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['verify/**/*.ts'],
    ignores: ['verify/**/*.test.ts'],
    rules: {
      // The core runs in browsers too: no Node built-ins (tests/no-node-imports.test.ts enforces it as well).
      'no-restricted-imports': [
        'error',
        { paths: ['fs', 'path', 'crypto', 'buffer', 'os', 'url', 'util', 'stream'], patterns: ['node:*'] },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'bin/**', 'scripts/**'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    // The few CommonJS modules (scripts/lib/code-cache.cjs and the worker's entry that uses it).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
