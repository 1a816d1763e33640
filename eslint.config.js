import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.apollo/', 'web/dist/', 'bench/results.json', 'bench/reliability.json', 'test-results/', 'schemas/*.gen.*', 'schemas/validators/*.gen.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  { files: ['local/**', 'bench/**', 'schemas/generate.ts'], rules: { 'no-console': 'off' } },
  // The web app (.tsx included): browser code. No react-hooks plugin is installed; the rules above apply.
  { files: ['web/**/*.{ts,tsx}'], languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } } },
);
