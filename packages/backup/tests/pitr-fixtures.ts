import { execFileSync } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalProvider } from '@core/cloud-storage/local';
import { startPgCluster } from '@core/testing';
import type { PgClusterHandle } from '@core/testing';
import type { Repository } from '../src';
import { initTestRepo } from './fixtures';

/** Runs SQL with psql; resolves to its unaligned output. */
export function psql(url: string, sql: string): string {
  return execFileSync('psql', ['-XAtq', url, '-v', 'ON_ERROR_STOP=1', '-c', sql]).toString().trim();
}

/** psql against a recovered server's socket folder. */
export function psqlSocket(dataDir: string, port: number, sql: string): string {
  return execFileSync('psql', ['-XAtq', '-h', dataDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]).toString().trim();
}

/** A repository folder the server's OS user can write (the archive command runs as that user). */
export async function sharedRepository(work: string): Promise<{ root: string; repository: Repository }> {
  const root = join(work, 'repo');
  await mkdir(root, { recursive: true });
  const repository = await initTestRepo(new LocalProvider({ root }));
  execFileSync('chmod', ['-R', 'a+rwX', root]);
  await chmod(work, 0o777);
  return { root, repository };
}

/** The archive command that pushes into the repository at `root` (`env`: WAL_AHEAD, WAL_SPOOL, WAL_LOG). */
export function archiveCommand(root: string, env: Record<string, string> = {}): string {
  const script = resolve(__dirname, 'wal-command.ts');
  const tsx = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  const vars = Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ');
  return `umask 000 && ${vars} node --conditions=@core/source --import ${tsx} ${script} push ${root} %p`;
}

/** A throwaway cluster archiving into the repository at `root`. */
export function startArchivingCluster(root: string): Promise<PgClusterHandle> {
  return startPgCluster({ settings: { archive_mode: 'on', archive_command: archiveCommand(root), archive_timeout: '0', wal_keep_size: '0' } });
}

/** Switches to a new segment and waits until the server has archived everything up to it. */
export async function archiveAll(url: string, timeoutMs = 60_000): Promise<string> {
  const segment = psql(url, 'select pg_walfile_name(pg_current_wal_lsn())');
  psql(url, 'select pg_switch_wal()');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const archived = psql(url, "select coalesce(last_archived_wal, '') from pg_stat_archiver");
    if (archived >= segment) return segment;
    if (Date.now() > deadline) throw new Error(`the server did not archive ${segment} in ${timeoutMs} ms (last ${archived}; ${psql(url, 'select failed_count, last_failed_wal from pg_stat_archiver')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
