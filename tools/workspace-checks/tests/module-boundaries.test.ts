import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/**
 * Lints a snippet as if it were a file at `path` (relative to the workspace root) with the real
 * eslint CLI and config, and returns the module-boundary messages.
 */
function lint(path: string, code: string): string[] {
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', join(root, path), '--format', 'json'],
    { cwd: root, input: code, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (eslint.config.mjs)', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph: make sure it describes the workspace as it is now.
    const nx = spawnSync(process.execPath, [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    if (nx.status !== 0) throw new Error(`nx show projects failed: ${nx.stderr}`);
  }, 60_000);

  it('a package importing the orchestrator fails lint', () => {
    const messages = lint('packages/cache/src/probe.ts', "import { runCli } from '@core/orchestrator';\nexport const x = runCli;\n");
    // Nx reports the first violation it finds: the import of an app, or (as here, since the app uses
    // @core/cache) the cycle it would create.
    expect(messages).toEqual([expect.stringMatching(/@core\/orchestrator|apps are forbidden/)]);
  });

  it('a package reaching into the app by relative path fails lint', () => {
    const messages = lint('packages/cache/src/probe.ts', "import { runCli } from '../../../apps/orchestrator/src/cli';\nexport const x = runCli;\n");
    expect(messages.length).toBeGreaterThan(0);
  });

  it('package source may not use the private test helpers, while its tests may', () => {
    const code = "import { testEnv } from '@core/testing';\nexport const x = testEnv;\n";
    expect(lint('packages/cache/src/probe.ts', code)).not.toEqual([]);
    expect(lint('packages/cache/tests/probe.test.ts', code)).toEqual([]);
  });

  it('the app may import packages', () => {
    expect(lint('apps/orchestrator/src/probe.ts', "import { Cache } from '@core/cache';\nexport const x = Cache;\n")).toEqual([]);
  });
});

describe('package manifests', () => {
  const packages = readdirSync(join(root, 'packages')).map((name) => ({
    name,
    manifest: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')),
  }));

  it.each(packages)('$name is tagged type:lib with its scope, and keeps drivers as optional peers', ({ name, manifest }) => {
    expect(manifest.nx.tags).toEqual(expect.arrayContaining(['type:lib', `scope:${name}`]));
    for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
      expect(manifest.peerDependenciesMeta?.[peer]?.optional).toBe(true);
      expect(manifest.dependencies?.[peer]).toBeUndefined();
    }
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.scripts['check-package']).toBe('publint --strict && attw --pack .');
  });
});
