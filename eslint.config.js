// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.astro/', 'node_modules/', 'evidence/', 'tests/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['verify/**/*.ts'],
    rules: {
      // The core runs in browsers too: no Node built-ins (tests/no-node-imports.test.ts enforces it as well).
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'path', 'crypto', 'buffer', 'os', 'url'] }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
