import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The orchestrator's version from its own package.json, found from the script that runs
 * (`dist/main.js` in a build, `src/main.ts` from sources: both one level below it).
 */
export function orchestratorVersion(entry: string | undefined): string {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(realpathSync(entry!)), '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (manifest.name === '@core/orchestrator' && manifest.version) return manifest.version;
  } catch {
    // not started from its bin (an embedding program): the version is unknown, not fatal
  }
  return 'unknown';
}
