import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createPgSchema } from '@core/testing';
import { migrationsDir, queryPg, sql } from './helpers';

/** Starts `run-up.ts` in a real child process; resolves once it is ready for the go signal. */
async function startRunner(url: string, dir: string, mode: 'wait' | 'fail-fast') {
  const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(__dirname, 'fixtures', 'run-up.ts'), url, dir, mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`runner exited early: ${err}`)));
  });
  const result = new Promise<{ applied?: string[]; error?: string }>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice(out.indexOf('ready\n') + 6))) : reject(new Error(err)))),
  );
  return { go: () => child.stdin.end('go\n'), result };
}

describe('two processes running up at the same moment (real child processes)', () => {
  it.each(['wait', 'fail-fast'] as const)('apply each migration exactly once (%s)', async (mode) => {
    const scratch = await createPgSchema('concurrent');
    const dir = await migrationsDir();
    try {
      await queryPg(scratch.url, 'CREATE TABLE applications (migration text NOT NULL)');
      for (let i = 1; i <= 5; i++) {
        await dir.write(`00${i}_step.sql`, sql(`INSERT INTO applications VALUES ('00${i}'); SELECT pg_sleep(0.05);`, `DELETE FROM applications WHERE migration = '00${i}';`));
      }
      const [a, b] = await Promise.all([startRunner(scratch.url, dir.path, mode), startRunner(scratch.url, dir.path, mode)]);
      a.go();
      b.go();
      const results = await Promise.all([a.result, b.result]);
      const rows = await queryPg<{ migration: string; n: string }>(scratch.url, 'SELECT migration, count(*) AS n FROM applications GROUP BY 1 ORDER BY 1');
      expect(rows).toEqual(['001', '002', '003', '004', '005'].map((migration) => ({ migration, n: '1' })));
      const winner = results.find((r) => r.applied && r.applied.length === 5);
      const loser = results.find((r) => r !== winner);
      expect(winner).toBeDefined();
      // The loser either waited and found nothing to do, or failed fast with MigrationLockedError.
      expect(loser).toEqual(mode === 'wait' ? { applied: [] } : { error: 'locked' });
      const history = await queryPg(scratch.url, 'SELECT count(*)::int AS n FROM core_migrations');
      expect(history).toEqual([{ n: 5 }]);
    } finally {
      await scratch.drop();
      await dir.remove();
    }
  });
});
