import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '@core/testing';
import { runCore as core } from './helpers';

const main = join(__dirname, '..', 'src', 'main.ts');


async function serve(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', main, 'serve'], { env: { PATH: process.env.PATH, ...env, PORT: String(await freePort()) }, stdio: 'ignore' });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// SIGKILL the orchestrator in the middle of its backup job, start it again: the repository verifies,
// the killed run shows as abandoned (its lease ran out), and the retry completes the backup.
describe('an orchestrator killed during a backup job', () => {
  it('leaves a repository that verifies; the next process marks the run abandoned and its retry succeeds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'core-job-crash-'));
    const env = { CORE_ENV: 'development', DATA_DIR: dataDir, JOB_LEASE_MS: '1500' };
    const db = new Database(join(dataDir, 'core.sqlite'));
    db.exec('create table blobs (id integer primary key, body blob)');
    const insert = db.prepare('insert into blobs (body) values (?)');
    db.transaction(() => {
      for (let i = 0; i < 250; i++) insert.run(randomBytes(1024 * 1024));
    })();
    db.close();
    let child = await serve(env);
    try {
      await until('the backup job to start', async () => ((await core(env, 'jobs', 'history', 'backup-database')).out.includes('running') ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 400));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect((await core(env, 'jobs', 'history', 'backup-database')).out).toMatch(/#1\s+running/); // nobody has noticed yet
      const afterKill = await core(env, 'backup', 'verify', '--read-data');
      expect(afterKill).toMatchObject({ code: 0, out: expect.stringContaining('no errors were found') });

      child = await serve(env);
      const history = await until('the retry to succeed', async () => {
        const out = (await core(env, 'jobs', 'history', 'backup-database')).out;
        return /#2\s+succeeded/.test(out) ? out : undefined;
      });
      expect(history).toMatch(/#1\s+abandoned\s+.*lease/);
      expect((await core(env, 'backup', 'snapshots')).out.trim().split('\n')).toHaveLength(1);
      expect((await core(env, 'backup', 'verify', '--read-data')).out).toContain('no errors were found');
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
