#!/usr/bin/env node
// Release rehearsal (run by .ci/run, or `npm run release:rehearse`): a throwaway verdaccio on loopback,
// snapshot versions of every publishable package made with changesets, a build, `changeset publish` to
// it, then for each package an empty project that installs only that package from it and runs an ESM
// script, a CJS script and tsc (node16 and bundler), checks that no driver arrived that the package did
// not ask for and that LICENSE and metadata shipped, then installs each subpath's optional peers and
// exercises the subpath on the real services. The working tree is put back as it was at the end.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONSUMERS, DRIVERS } from './consumers.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(join(ROOT, 'package.json'));
const semver = require('semver');
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'core-release-rehearsal-'));
const log = (message) => console.log(`[rehearsal +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`[rehearsal] FAIL ${message}`);
};
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });

function freePort() {
  return new Promise((done, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on('error', reject);
  });
}

/** Publishable packages: every non-private workspace under packages/. */
function publishable() {
  return readdirSync(join(ROOT, 'packages'))
    .map((dir) => ({ dir: join(ROOT, 'packages', dir), manifest: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private);
}

/** Peer ranges of one name across packages must have a version in common. */
function checkPeerRanges(packages) {
  const ranges = new Map();
  for (const { manifest } of packages) {
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) ranges.set(peer, [...(ranges.get(peer) ?? []), [manifest.name, range]]);
  }
  for (const [peer, list] of ranges) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (!semver.intersects(list[i][1], list[j][1])) fail(`peer ${peer}: ${list[i][0]} wants ${list[i][1]}, ${list[j][0]} wants ${list[j][1]}: no version satisfies both`);
      }
    }
  }
}

async function startRegistry() {
  const dir = join(work, 'verdaccio');
  mkdirSync(dir);
  // verdaccio 6.8.0 is the last line for Node 20, with node-fetch held at 2.7.0.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, dependencies: { verdaccio: '6.8.0' }, overrides: { 'node-fetch': '2.7.0' } }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth: { htpasswd: { file: ./htpasswd, max_users: -1 } }',
      'uplinks: { npmjs: { url: https://registry.npmjs.org/, timeout: 60s } }',
      'packages:',
      "  '@core/*': { access: $all, publish: $anonymous, unpublish: $anonymous }",
      "  '**': { access: $all, proxy: npmjs }",
      'log: { type: stdout, format: pretty, level: error }',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, 'node_modules/verdaccio/bin/verdaccio'), '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const npmrc = join(work, 'npmrc');
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=rehearsal\n`);
  log(`verdaccio 6.8.0 on ${url}`);
  return { url, npmrc, stop: () => child.kill('SIGTERM') };
}

/** Files changesets' version step rewrites, saved so the tree can be put back. */
function saveTree() {
  const files = new Map();
  const keep = (path) => files.set(path, existsSync(path) ? readFileSync(path) : null);
  for (const name of readdirSync(join(ROOT, '.changeset'))) keep(join(ROOT, '.changeset', name));
  for (const dir of ['packages', 'apps', 'tools']) {
    for (const sub of readdirSync(join(ROOT, dir), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)) {
      keep(join(ROOT, dir, sub, 'package.json'));
      keep(join(ROOT, dir, sub, 'CHANGELOG.md'));
    }
  }
  keep(join(ROOT, 'package-lock.json'));
  return () => {
    for (const [path, content] of files) {
      if (content === null) rmSync(path, { force: true });
      else writeFileSync(path, content);
    }
    for (const name of readdirSync(join(ROOT, '.changeset'))) if (!files.has(join(ROOT, '.changeset', name))) rmSync(join(ROOT, '.changeset', name));
  };
}

function snapshotAndPublish(packages, registry) {
  // A patch changeset for every publishable package, so each gets a snapshot version.
  writeFileSync(join(ROOT, '.changeset', 'zz-release-rehearsal.md'), `---\n${packages.map((p) => `"${p.manifest.name}": patch`).join('\n')}\n---\n\nRelease rehearsal.\n`);
  run('npx', ['changeset', 'version', '--snapshot', 'rehearsal'], { cwd: ROOT });
  const versions = Object.fromEntries(packages.map((p) => [p.manifest.name, JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')).version]));
  log(`snapshot versions: ${Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(', ')}`);
  run('npx', ['nx', 'run-many', '-t', 'build', '--projects', packages.map((p) => p.manifest.name).join(','), '--outputStyle=static'], { cwd: ROOT, stdio: 'inherit' });
  const env = { ...process.env, npm_config_registry: registry.url, npm_config_userconfig: registry.npmrc };
  run('npx', ['changeset', 'publish', '--tag', 'rehearsal', '--no-git-tag'], { cwd: ROOT, env, stdio: 'inherit' });
  return versions;
}

/** node_modules package names of a consumer project. */
function installedNames(dir) {
  const names = new Set();
  const walk = (modules) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(modules, entry))) {
          names.add(`${entry}/${scoped}`);
          walk(join(modules, entry, scoped, 'node_modules'));
        }
      } else {
        names.add(entry);
        walk(join(modules, entry, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}

function checkConsumer(name, version, registry) {
  const spec = CONSUMERS[name];
  if (!spec) return fail(`${name} has no consumer checks in tools/release/consumers.mjs`);
  const dir = join(work, `consumer-${name.replace('@core/', '')}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // A project .npmrc points at the local registry; the user's own npm settings (nodedir for native builds …) still apply.
  writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\n`);
  const npm = (args) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  npm(['install', `${name}@${version}`]);
  const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
  // Drivers are optional peers behind subpaths: installing a package alone must bring none of them.
  const installed = installedNames(dir);
  for (const driver of DRIVERS) if (installed.has(driver)) fail(`${name}: installing it alone brought the driver ${driver}; make it an optional peer of the subpath that needs it`);
  if (!existsSync(join(dir, 'node_modules', name, 'LICENSE'))) fail(`${name}: the tarball has no LICENSE`);
  for (const field of ['description', 'license', 'keywords', 'engines', 'exports', 'types']) if (!manifest[field]) fail(`${name}: package.json lacks ${field}`);

  const exportName = spec.exportName;
  writeFileSync(join(dir, 'esm.mjs'), `import { ${exportName} } from '${name}';\nif (typeof ${exportName} === 'undefined') throw new Error('no ${exportName}');\n`);
  writeFileSync(join(dir, 'cjs.cjs'), `const { ${exportName} } = require('${name}');\nif (typeof ${exportName} === 'undefined') throw new Error('no ${exportName}');\n`);
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    try {
      run(process.execPath, [script], { cwd: dir });
    } catch (error) {
      fail(`${name}: ${script} failed: ${error.stderr || error.message}`);
    }
  }
  writeFileSync(join(dir, 'index.ts'), `import { ${exportName} } from '${name}';\n${spec.typeUse}\n`);
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  for (const [module, resolution] of [['node16', 'node16'], ['esnext', 'bundler']]) {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module, moduleResolution: resolution, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['index.ts'] }));
    try {
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
    } catch (error) {
      fail(`${name}: tsc (${resolution}) failed: ${error.stdout || error.message}`);
    }
  }
  for (const [i, subpath] of spec.subpaths.entries()) {
    if (subpath.peers.length > 0) npm(['install', ...subpath.peers]);
    writeFileSync(join(dir, `subpath-${i}.mjs`), subpath.script);
    try {
      run(process.execPath, [`subpath-${i}.mjs`], { cwd: dir, env: { ...process.env, PG_URL: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, timeout: 120_000 });
    } catch (error) {
      fail(`${name}: subpath check ${i} (peers ${subpath.peers.join(' ') || 'none'}) failed: ${error.stderr || error.message}`);
    }
  }
  log(`${name}@${version}: installed alone, ESM, CJS, tsc node16 + bundler, ${spec.subpaths.length} subpath check(s)`);
}

async function main() {
  const packages = publishable();
  checkPeerRanges(packages);
  const dirty = run('git', ['status', '--porcelain', '--', '.changeset', 'packages/*/package.json', 'packages/*/CHANGELOG.md'], { cwd: ROOT }).trim();
  if (dirty) throw new Error(`the rehearsal rewrites package.json files and .changeset; commit or stash these first:\n${dirty}`);
  const registry = await startRegistry();
  const restoreTree = saveTree();
  let versions;
  try {
    versions = snapshotAndPublish(packages, registry);
  } finally {
    restoreTree();
  }
  try {
    // REHEARSAL_PACKAGES=@core/vector,@core/cache limits the consumer checks (everything is still published).
    const only = process.env.REHEARSAL_PACKAGES?.split(',').map((n) => n.trim()).filter(Boolean);
    for (const { manifest } of packages.filter((p) => !only?.length || only.includes(p.manifest.name))) {
      try {
        checkConsumer(manifest.name, versions[manifest.name], registry);
      } catch (error) {
        fail(`${manifest.name}: ${error.stderr || error.message}`);
      }
    }
  } finally {
    registry.stop();
    // Put the build back to the tree's own versions (cached by Nx: quick).
    run('npx', ['nx', 'run-many', '-t', 'build', '--projects', packages.map((p) => p.manifest.name).join(','), '--outputStyle=static'], { cwd: ROOT });
    rmSync(work, { recursive: true, force: true });
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${packages.length} packages, ${failures.length} failure(s)`);
  if (failures.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(`[rehearsal] ${error.stack ?? error}`);
  process.exit(1);
});
