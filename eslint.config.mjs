// Workspace lint: typescript-eslint's recommended rules plus Nx module boundaries.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Library packages of SPEC.md; each may import only itself, plus the edges listed below. */
const libraries = ['cache', 'repo', 'migrate', 'cloud-storage', 'backup', 'vector', 'lifecycle', 'monitor'];
/** The only package-to-package edges SPEC.md allows. */
const allowedEdges = { backup: ['cloud-storage'], lifecycle: ['cloud-storage'] };

const scopeConstraints = libraries.map((name) => ({
  sourceTag: `scope:${name}`,
  onlyDependOnLibsWithTags: [`scope:${name}`, ...(allowedEdges[name] ?? []).map((to) => `scope:${to}`)],
}));

/** @param {string[]} extra tags projects may also use here (test helpers, in tests and benches). */
function boundaries(extra) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', ...extra] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', ...extra] },
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:tool'] },
        { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:tool'] },
        ...scopeConstraints.map((c) => ({
          ...c,
          onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, ...extra],
        })),
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/reports/**', '**/.nx/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (CONVENTIONS.md).' },
      ],
    },
  },
  {
    // Tests and benchmarks may use the private test helpers.
    files: ['**/tests/**', '**/bench/**', '**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['type:testing']) },
  },
  {
    // Tool configuration files reach the workspace's shared presets by path, which is their purpose.
    files: ['**/*.cjs', '**/jest.config.*', '**/tsup.config.ts', 'tools/**/*.js'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-syntax': 'off',
      '@nx/enforce-module-boundaries': 'off',
    },
  },
  {
    files: ['**/tsup.config.ts', 'eslint.config.mjs', '**/eslint.config.mjs'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
