// @ts-check
/**
 * The shared tsup factory: dual ESM + CJS with `.d.ts` / `.d.cts`, one line per package.
 * Code splitting is on for both formats so that subpath entries share one copy of common modules
 * (error classes stay `instanceof`-compatible across `@core/x` and `@core/x/driver`).
 * `bundle` names ESM-only dependencies to compile into the output, so the CommonJS build loads
 * without `require(esm)` (jest's CommonJS runtime cannot load them).
 * @param {{ entry: Record<string, string> | string[], external?: string[], bundle?: (string | RegExp)[], shims?: boolean, app?: boolean }} options
 * @returns {import('tsup').Options}
 */
export function coreTsup(options) {
  return {
    entry: options.entry,
    // An app is run, not imported: one ESM build, no declarations.
    format: options.app ? ['esm'] : ['esm', 'cjs'],
    dts: !options.app,
    splitting: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    shims: options.shims ?? false,
    external: options.external ?? [],
    noExternal: options.bundle ?? [],
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  };
}
