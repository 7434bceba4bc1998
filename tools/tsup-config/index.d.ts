import type { Options } from 'tsup';

/** Options a package passes to the shared tsup factory. */
export interface CoreTsupOptions {
  /** Entry points: `{ index: 'src/index.ts', 'redis/index': 'src/redis/index.ts' }`. */
  entry: Record<string, string> | string[];
  /** Modules to leave unbundled beyond dependencies and peers. */
  external?: string[];
  /** ESM-only dependencies compiled into the output so the CommonJS build needs no `require(esm)`. */
  bundle?: (string | RegExp)[];
  /** Inject `import.meta.url` / `__dirname` shims. */
  shims?: boolean;
  /** Build an application: one ESM bundle, no type declarations. */
  app?: boolean;
}

/** The shared tsup factory: dual ESM + CJS with `.d.ts` / `.d.cts`. */
export declare function coreTsup(options: CoreTsupOptions): Options;
