import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { createPgSchema, startPgCluster, watchProcessFaults } from '@core/testing';
import type { JobDefinition } from '../src/scheduler/job';
import { RunStore } from '../src/scheduler/run-store';
import { Schedule, ScheduleError } from '../src/scheduler/schedule';
import { Scheduler } from '../src/scheduler/scheduler';
import { postgresClient, sqliteClient } from '../src/scheduler/sql-client';

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules', () => {
  it('runs a wall time that does not exist (spring) once after the gap, and one that happens twice (autumn) once, at its second occurrence', () => {
    const daily = new Schedule('backup', '30 2 * * *', 'Europe/Berlin');
    expect(daily.between(new Date('2026-03-28T12:00:00Z'), new Date('2026-03-30T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']); // 03:30 CEST, then 02:30 CEST
    expect(daily.between(new Date('2026-10-24T12:00:00Z'), new Date('2026-10-26T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']); // 02:30 CET, once
  });

  it('names the job and the field of a malformed expression or zone', () => {
    expect(() => new Schedule('nightly', '61 * * * *')).toThrow(ScheduleError);
    expect(() => new Schedule('nightly', '61 * * * *')).toThrow(/job "nightly": schedule/);
    expect(() => new Schedule('nightly', '0 2 * * *', 'Mars/Olympus')).toThrow(/job "nightly": timezone/);
  });
});

describe('scheduler on SQLite', () => {
  let dir: string;
  let store: RunStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'core-scheduler-'));
    const client = sqliteClient(join(dir, 'jobs.sqlite'));
    store = new RunStore(client);
    close = () => client.close();
  });
  afterEach(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a job on start when it never ran, records the result, and never overlaps it with itself', async () => {
    let concurrent = 0;
    let most = 0;
    const job: JobDefinition = {
      name: 'backup',
      schedule: '* * * * * *',
      runOnStartIfNever: true,
      run: async () => {
        most = Math.max(most, ++concurrent);
        await sleep(1_300);
        concurrent--;
        return { bytes: 42 };
      },
    };
    const scheduler = new Scheduler({ store, jobs: [job], logger, tickMs: 100 });
    await scheduler.start();
    await sleep(3_500);
    await scheduler.stop();
    const history = (await store.history('backup', 50)).reverse();
    expect(history[0]).toMatchObject({ state: 'succeeded', scheduledAt: new Date(0), result: { bytes: 42 } });
    expect(history.filter((r) => r.state === 'succeeded').length).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
  });

  it('times a run out (its signal aborts), records it, and retries with backoff until it succeeds', async () => {
    let attempts = 0;
    const job: JobDefinition = {
      name: 'flaky',
      schedule: '0 0 1 1 *',
      runOnStartIfNever: true,
      timeoutMs: 200,
      retries: 2,
      retryBackoffMs: 100,
      run: async ({ signal, attempt }) => {
        attempts++;
        if (attempt === 1) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        if (attempt === 2) throw new Error('still broken');
        return { attempt };
      },
    };
    const scheduler = new Scheduler({ store, jobs: [job], logger, tickMs: 50 });
    await scheduler.start();
    for (let i = 0; i < 60 && !(await store.history('flaky')).some((r) => r.state === 'succeeded'); i++) await sleep(100);
    await scheduler.stop();
    expect((await store.history('flaky')).reverse().map((r) => [r.attempt, r.state])).toEqual([[1, 'timeout'], [2, 'failed'], [3, 'succeeded']]);
    expect(attempts).toBe(3);
  });

  it('after downtime: once runs the newest missed occurrence and records the rest; skip records them all', async () => {
    await store.ensure();
    const now = Date.now();
    const minute = 60_000;
    const tenMinutesAgo = new Date(Math.floor((now - 10 * minute) / minute) * minute);
    for (const name of ['once-job', 'skip-job']) {
      const id = await store.claim(name, tenMinutesAgo, 'old-replica', 1_000, tenMinutesAgo.getTime());
      await store.finish(id!, 'old-replica', 'succeeded', {});
    }
    const ran: string[] = [];
    const jobs: JobDefinition[] = [
      { name: 'once-job', schedule: '* * * * *', missed: 'once', run: async ({ scheduledAt }) => void ran.push(`once ${scheduledAt.toISOString()}`) },
      { name: 'skip-job', schedule: '* * * * *', missed: 'skip', run: async ({ scheduledAt }) => void ran.push(`skip ${scheduledAt.toISOString()}`) },
    ];
    const scheduler = new Scheduler({ store, jobs, logger, tickMs: 50 });
    await scheduler.start();
    await sleep(400);
    await scheduler.stop();
    const newest = new Date(Math.floor(now / minute) * minute).toISOString();
    const onTime = now - Math.floor(now / minute) * minute <= 5_000;
    expect(ran).toEqual(onTime ? [`once ${newest}`, `skip ${newest}`] : [`once ${newest}`]);
    const missed = (name: string) => store.history(name, 50).then((h) => h.filter((r) => r.state === 'missed').length);
    expect(await missed('once-job')).toBe(9);
    expect(await missed('skip-job')).toBe(onTime ? 9 : 10);
  });

  it('on stop the running run is aborted, recorded as interrupted, and queued for a retry', async () => {
    let aborted = false;
    const job: JobDefinition = { name: 'long', schedule: '0 0 1 1 *', runOnStartIfNever: true, run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(signal.reason)))) };
    const scheduler = new Scheduler({ store, jobs: [job], logger, tickMs: 50 });
    await scheduler.start();
    await sleep(200);
    await scheduler.stop(2_000);
    expect(aborted).toBe(true);
    expect((await store.history('long')).reverse().map((r) => [r.attempt, r.state])).toEqual([[1, 'interrupted'], [2, 'pending']]);
  });
});

describe('three orchestrator processes on one PostgreSQL', () => {
  it('run each attempt of an occurrence exactly once; when the one running a job is SIGKILLed, another marks it abandoned after its lease and retries it', async () => {
    const schema = await createPgSchema('jobs');
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    await admin.query('CREATE TABLE evidence (job text, scheduled_at bigint, attempt int, pid int)');
    const replicas = [0, 1, 2].map(() => spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', join(__dirname, 'scheduler-replica.ts'), schema.url], { stdio: ['ignore', 'pipe', 'inherit'] }));
    try {
      await Promise.all(replicas.map((child) => new Promise((resolve) => child.stdout!.once('data', resolve))));
      let holder: number | undefined;
      for (let i = 0; i < 100 && holder === undefined; i++) {
        holder = (await admin.query("SELECT pid FROM evidence WHERE job = 'slow-start'")).rows[0]?.pid as number | undefined;
        await sleep(100);
      }
      await sleep(2_000); // a few every-second occurrences
      const victim = replicas.find((child) => child.pid === holder)!;
      victim.kill('SIGKILL');
      let runs: Array<[number, string]> = [];
      for (let i = 0; i < 100; i++) {
        runs = (await admin.query("SELECT attempt, state FROM core_job_runs WHERE job = 'slow' ORDER BY attempt")).rows.map((r) => [r.attempt as number, r.state as string]);
        if (runs.some(([, state]) => state === 'succeeded')) break;
        await sleep(100);
      }
      expect(runs).toEqual([[1, 'abandoned'], [2, 'succeeded']]);
      const done = (await admin.query("SELECT pid FROM evidence WHERE job = 'slow'")).rows;
      expect(done).toHaveLength(1);
      expect(done[0].pid).not.toBe(holder);
      // No two replicas ever ran the same attempt of an occurrence. An occurrence runs a second attempt only
      // when its first lost its lease (the victim killed inside it, or a runner stalled past the lease on a
      // loaded machine): the guarantee then is at-least-once, with the earlier attempt recorded as abandoned.
      const attempts = (await admin.query("SELECT scheduled_at, attempt, count(*)::int AS n, min(pid) AS pid FROM evidence WHERE job = 'every-second' GROUP BY scheduled_at, attempt ORDER BY scheduled_at, attempt")).rows;
      expect(attempts.filter((r) => r.n !== 1)).toEqual([]);
      const occurrences = new Set(attempts.map((r) => r.scheduled_at as string));
      expect(occurrences.size).toBeGreaterThanOrEqual(2);
      const rerun = attempts.filter((r) => r.attempt > 1).map((r) => r.scheduled_at as string);
      for (const scheduledAt of rerun) {
        const state = (await admin.query("SELECT state FROM core_job_runs WHERE job = 'every-second' AND scheduled_at = $1 AND attempt = 1", [scheduledAt])).rows[0]?.state;
        expect(state).toBe('abandoned');
      }
      console.log(`three replicas: ${occurrences.size} every-second occurrences, each attempt run once (${rerun.length} retried after the kill); slow job ${JSON.stringify(runs)}`);
    } finally {
      for (const child of replicas) child.kill('SIGKILL');
      await admin.end();
      await schema.drop();
    }
  }, 60_000);
});

describe('a scheduler whose PostgreSQL stops', () => {
  it('keeps going without crashing while the database is down, and resumes running its jobs when it is back', async () => {
    const cluster = await startPgCluster();
    const client = postgresClient(cluster.url);
    const watch = watchProcessFaults();
    const runs: string[] = [];
    const scheduler = new Scheduler({ store: new RunStore(client), logger, tickMs: 100, jobs: [{ name: 'tick', schedule: '* * * * * *', run: async ({ scheduledAt }) => void runs.push(scheduledAt.toISOString()) }] });
    try {
      await scheduler.start();
      await sleep(1_500);
      const before = runs.length;
      expect(before).toBeGreaterThan(0);
      await cluster.stop();
      await sleep(2_500); // passes fail (logged) and the process carries on
      const during = runs.length;
      expect(during - before).toBeLessThanOrEqual(1); // at most a run that had been claimed already
      await cluster.start();
      for (let i = 0; i < 100 && runs.length <= during; i++) await sleep(100);
      expect(runs.length).toBeGreaterThan(during);
      expect(watch.stop()).toEqual([]);
    } finally {
      await scheduler.stop(1_000);
      await client.close();
      await cluster.destroy();
    }
  }, 60_000);
});
