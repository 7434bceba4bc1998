// Backup benchmark: @core/backup against restic 0.14 and borg 1.2 (Debian), both encrypted and compressed
// (restic repository v2 with --compression auto; borg repokey with zstd,3; ours AES-256-GCM with zstd 3),
// on the same generated ~1 GiB tree and ten daily versions with ~1 % changed, each tool in its own process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faster, report, runMain, smaller } from '@core/bench';
import type { Result } from '@core/bench';
import { changeTree, generateTree } from './generate';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const WORK = process.env.BENCH_DIR ?? '/tmp/core-backup-bench';
const TREE_MIB = Number(process.env.BENCH_TREE_MIB ?? 1024);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10);
const PASSPHRASE = 'bench passphrase, not a secret';
const env = { ...process.env, RESTIC_PASSWORD: PASSPHRASE, BORG_PASSPHRASE: PASSPHRASE, BENCH_PASSPHRASE: PASSPHRASE, BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes', BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes' };

/** Runs a command, returning wall seconds and peak RSS (MiB) of it and its children (getrusage via python3). */
function timed(command: string, args: string[], cwd?: string): { seconds: number; rssMiB: number } {
  const wrapper = 'import resource,subprocess,sys,time\nt=time.time()\nr=subprocess.run(sys.argv[1:])\nprint("BENCH", time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\nsys.exit(r.returncode)';
  const run = spawnSync('python3', ['-c', wrapper, command, ...args], { env, cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = /BENCH (\S+) (\d+)/.exec(run.stderr);
  if (run.status !== 0 || !line) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return { seconds: Number(line[1]), rssMiB: Number(line[2]) / 1024 };
}

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path]).toString().split('\t')[0]);
}

function ensurePeers(): void {
  const missing = ['restic', 'borg'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(', ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'restic', 'borgbackup'], { stdio: 'inherit' });
}

interface Tool {
  name: string;
  init(repo: string): void;
  backup(repo: string, source: string, version: number): { seconds: number; rssMiB: number };
  restore(repo: string, target: string): { seconds: number; rssMiB: number };
}

const ours: Tool = {
  name: '@core/backup',
  init: (repo) => void timed(process.execPath, [join(HERE, 'ours.mjs'), 'init', repo]),
  backup: (repo, source) => timed(process.execPath, [join(HERE, 'ours.mjs'), 'backup', repo, source]),
  restore: (repo, target) => timed(process.execPath, [join(HERE, 'ours.mjs'), 'restore', repo, target]),
};
const restic: Tool = {
  name: 'restic 0.14',
  init: (repo) => void timed('restic', ['-q', '-r', repo, 'init', '--repository-version', '2']),
  // restic records paths as given: back up "." from inside the tree so restore lands in the target itself.
  backup: (repo, source) => timed('restic', ['-q', '-r', repo, 'backup', '--compression', 'auto', '.'], source),
  restore: (repo, target) => timed('restic', ['-q', '-r', repo, 'restore', 'latest', '--target', target]),
};
const borg: Tool = {
  name: 'borg 1.2',
  init: (repo) => void timed('borg', ['init', '-e', 'repokey', repo]),
  backup: (repo, source, version) => timed('borg', ['create', '--compression', 'zstd,3', `${repo}::v${version}`, '.'], source),
  restore: (repo, target) => {
    const archives = execFileSync('borg', ['list', '--short', repo], { env }).toString().trim().split('\n');
    return timed('borg', ['extract', `${repo}::${archives.at(-1)}`], target);
  },
};

async function main(): Promise<void> {
  ensurePeers();
  // Ours runs from its build, as a team would run it (no TypeScript compile at start-up).
  execFileSync('npx', ['nx', 'run', '@core/backup:build', '--output-style=stream'], { stdio: 'inherit' });
  const source = join(WORK, 'tree');
  console.log(`generating a ${TREE_MIB} MiB tree under ${source}`);
  await generateTree(source, TREE_MIB);
  const treeBytes = duBytes(source);
  const tools = [ours, restic, borg];
  const figures = new Map<string, { first: number; firstRss: number; next: number[]; restore: number; size: number }>();
  for (const tool of tools) figures.set(tool.name, { first: 0, firstRss: 0, next: [], restore: 0, size: 0 });
  for (const tool of tools) {
    const repo = join(WORK, `repo-${tool.name.replace(/\W+/g, '-')}`);
    await rm(repo, { recursive: true, force: true });
    tool.init(repo);
  }
  // Every tool backs up the same version before the tree changes: the same bytes for each.
  for (let version = 0; version <= VERSIONS; version++) {
    if (version > 0) await changeTree(source, version);
    const bytes = duBytes(source);
    for (const tool of tools) {
      const repo = join(WORK, `repo-${tool.name.replace(/\W+/g, '-')}`);
      const run = tool.backup(repo, source, version);
      const f = figures.get(tool.name)!;
      if (version === 0) {
        f.first = bytes / 1e6 / run.seconds;
        f.firstRss = run.rssMiB;
      } else f.next.push(bytes / 1e6 / run.seconds);
      console.log(`${tool.name} version ${version}: ${run.seconds.toFixed(2)} s, ${(bytes / 1e6 / run.seconds).toFixed(0)} MB/s, peak RSS ${run.rssMiB.toFixed(0)} MiB`);
    }
  }
  // Restores take turns twice (ours, restic, borg, ours, restic, borg) and each tool's faster run counts:
  // the first restore after the backups meets the most pending disk writeback, whichever tool it is.
  for (let round = 0; round < 2; round++) {
    for (const tool of tools) {
      const repo = join(WORK, `repo-${tool.name.replace(/\W+/g, '-')}`);
      const target = join(WORK, `restore-${tool.name.replace(/\W+/g, '-')}`);
      await rm(target, { recursive: true, force: true });
      await mkdir(target, { recursive: true });
      const run = tool.restore(repo, target);
      const f = figures.get(tool.name)!;
      f.restore = Math.max(f.restore, duBytes(source) / 1e6 / run.seconds);
      f.size = duBytes(repo);
      const same = spawnSync('diff', ['-r', '-q', source, target]).status === 0;
      if (!same) throw new Error(`${tool.name} restored a tree that differs from the source`);
      console.log(`${tool.name} restore (round ${round + 1}): ${run.seconds.toFixed(2)} s; repository ${(f.size / 1e6).toFixed(0)} MB`);
      await rm(target, { recursive: true, force: true });
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const o = figures.get(ours.name)!;
  const results: Result[] = [];
  for (const peer of [restic, borg]) {
    const p = figures.get(peer.name)!;
    const target = (value: number) => (peer === restic ? value : undefined);
    results.push(
      faster(`first backup (${(treeBytes / 1e6).toFixed(0)} MB)`, o.first, peer.name, p.first, target(0.7), 'MB/s'),
      faster(`next backup after ~1 % change (mean of ${VERSIONS})`, mean(o.next), peer.name, mean(p.next), target(1.0), 'MB/s'),
      faster('restore of the last version (best of 2, alternating)', o.restore, peer.name, p.restore, target(0.8), 'MB/s'),
      smaller(`repository size after ${VERSIONS + 1} versions`, 'MB', o.size / 1e6, peer.name, p.size / 1e6, target(0.95)),
      smaller('peak RSS during the first backup', 'MiB', o.firstRss, peer.name, p.firstRss, target(0.3)),
    );
  }
  report(results, join(HERE, 'results.json'));
  await rm(WORK, { recursive: true, force: true });
}

runMain(main);
