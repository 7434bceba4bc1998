import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configLines } from './recovery-target';

const RECOVERY_BLOCK = '# recovery settings written by @core/backup (removed once the server is stopped)';
const RECOVERY_BLOCK_END = '# end of @core/backup recovery settings';

/** Removes the recovery block from postgresql.auto.conf of a stopped server: the cluster then starts with the source's own settings. */
export async function forgetRecoverySettings(dataDir: string): Promise<void> {
  const path = join(dataDir, 'postgresql.auto.conf');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const start = text.indexOf(RECOVERY_BLOCK);
  const end = text.indexOf(RECOVERY_BLOCK_END);
  if (start < 0 || end < start) return;
  await writeFile(path, text.slice(0, start).replace(/\n$/, '') + text.slice(end + RECOVERY_BLOCK_END.length + 1));
}

/** Appends the recovery settings in a block `forgetRecoverySettings` can remove. */
export async function writeRecoverySettings(dataDir: string, settings: Record<string, string>): Promise<void> {
  await appendFile(join(dataDir, 'postgresql.auto.conf'), `\n${RECOVERY_BLOCK}\n${configLines(settings)}\n${RECOVERY_BLOCK_END}\n`);
}

/** Files a data directory needs that a Debian-style cluster keeps elsewhere (/etc/postgresql). */
export async function completeConfig(dataDir: string, trustLocalOnly: boolean): Promise<void> {
  if (!existsSync(join(dataDir, 'postgresql.conf'))) await writeFile(join(dataDir, 'postgresql.conf'), '# written by @core/backup: the base backup had none\n');
  if (trustLocalOnly || !existsSync(join(dataDir, 'pg_hba.conf'))) await writeFile(join(dataDir, 'pg_hba.conf'), '# written by @core/backup: local socket only\nlocal all all trust\n');
  if (!existsSync(join(dataDir, 'pg_ident.conf'))) await writeFile(join(dataDir, 'pg_ident.conf'), '');
}
