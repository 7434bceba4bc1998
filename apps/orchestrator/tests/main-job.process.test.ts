import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@core/testing';
import { runCore as core } from './helpers';

const main = join(__dirname, '..', 'src', 'main.ts');


// The orchestrator's main job on the embedded default: `core serve` with no services backs up the SQLite
// database right after start (into DATA_DIR/backups), and the CLI sees the snapshot and the job's history.
describe('core serve runs its jobs on the embedded default', () => {
  it('a backup of the database completes right after start, visible in core backup snapshots and core jobs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'core-main-job-'));
    const env = { CORE_ENV: 'development', DATA_DIR: dataDir };
    const port = await freePort();
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', main, 'serve'], { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, stdio: 'ignore' });
    try {
      let history = '';
      for (let i = 0; i < 200 && !/backup-database .* succeeded/.test(history); i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        history = (await core(env, 'jobs', 'history', 'backup-database').catch(() => ({ out: '' }))).out;
      }
      expect(history).toMatch(/backup-database\s+first run\s+#1\s+succeeded/);
      const snapshots = await core(env, 'backup', 'snapshots');
      expect(snapshots.out).toMatch(/sqlite:.*core\.sqlite/);
      const ls = await core(env, 'jobs', 'ls');
      expect(ls.out).toMatch(/backup-database\s+0 2 \* \* \* \(UTC\)\s+next \S+\s+last succeeded/);
      expect(ls.out).toMatch(/vector-ttl-sweep/);
      expect(await core(env, 'jobs', 'pause', 'vector-ttl-sweep')).toMatchObject({ code: 0, out: 'vector-ttl-sweep paused\n' });
      expect((await core(env, 'jobs', 'ls')).out).toMatch(/vector-ttl-sweep .*PAUSED/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^core_job_runs_total\{job="backup-database",result="succeeded"\} 1$/m);
      expect(metrics).toMatch(/^core_job_run_duration_seconds_count\{job="backup-database"\} 1$/m);
      expect(metrics).toMatch(/^core_job_last_success_timestamp_seconds\{job="backup-database"\} \d+/m);
      expect(metrics).toMatch(/^core_job_next_run_timestamp_seconds\{job="vector-ttl-sweep"\} \d+/m);
      expect(await core(env, 'jobs', 'pause', 'nope')).toMatchObject({ code: 1, err: expect.stringContaining('no job "nope"') });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
