import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `promtool` (Debian package `prometheus`), installed with apt-get when missing, as the machine's rules ask. */
export function promtool(): string {
  if (spawnSync('sh', ['-c', 'command -v promtool']).status !== 0) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return 'promtool';
}

/** Runs `promtool check metrics` on an exposition; resolves to its status and what it said. */
export function checkMetrics(exposition: string): { status: number | null; output: string } {
  const run = spawnSync(promtool(), ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Runs `promtool check rules` on a rule file's text; resolves to its status and what it said. */
export function checkRules(ruleFile: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'core-promtool-'));
  const path = join(dir, 'rules.yml');
  writeFileSync(path, ruleFile);
  try {
    const run = spawnSync(promtool(), ['check', 'rules', path], { encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
