// One orchestrator replica for scheduler.test.ts: a Scheduler on a shared PostgreSQL schema whose jobs
// write evidence rows (no unique key: duplicates would show). The test SIGKILLs one mid-run.
import pg from 'pg';
import pino from 'pino';
import { RunStore } from '../src/scheduler/run-store';
import { Scheduler } from '../src/scheduler/scheduler';
import { postgresClient } from '../src/scheduler/sql-client';

const [url] = process.argv.slice(2) as [string];
const evidence = new pg.Pool({ connectionString: url, max: 2 });

async function record(job: string, scheduledAt: Date, attempt: number): Promise<void> {
  await evidence.query('INSERT INTO evidence (job, scheduled_at, attempt, pid) VALUES ($1, $2, $3, $4)', [job, scheduledAt.getTime(), attempt, process.pid]);
}

const scheduler = new Scheduler({
  store: new RunStore(postgresClient(url)),
  owner: `replica-${process.pid}`,
  logger: pino({ level: 'silent' }),
  tickMs: 50,
  leaseMs: 2_000,
  jobs: [
    { name: 'every-second', schedule: '* * * * * *', run: async ({ scheduledAt, attempt }) => record('every-second', scheduledAt, attempt) },
    {
      name: 'slow',
      schedule: '0 0 1 1 *',
      runOnStartIfNever: true,
      retryBackoffMs: 10,
      // Long enough to be killed in the middle of; a retry finishes quickly.
      run: async ({ scheduledAt, attempt }) => {
        await record('slow-start', scheduledAt, attempt);
        await new Promise((resolve) => setTimeout(resolve, attempt === 1 ? 60_000 : 100));
        await record('slow', scheduledAt, attempt);
        return { attempt };
      },
    },
  ],
});

scheduler.start().then(() => console.log('ready'));
process.on('SIGTERM', () => void scheduler.stop(1_000).then(() => process.exit(0)));
