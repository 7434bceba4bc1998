import pg from 'pg';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Provider } from '@core/cloud-storage/s3';
import { createPgSchema, settleWithin, startFaultProxy, startS3rver, watchProcessFaults } from '@core/testing';
import type { FaultProxyHandle, PgScratch, S3rverHandle } from '@core/testing';
import { Lifecycle } from '../src';
import type { TableResult } from '../src';
import { postgresDatabase } from '../src/postgres';

jest.setTimeout(120_000);

/** Generous: detects a hang, asserts no duration. */
const BOUND_MS = 30_000;

let scratch: PgScratch;
let client: pg.Client;
let proxy: FaultProxyHandle;
let watch: ReturnType<typeof watchProcessFaults>;

beforeAll(async () => {
  scratch = await createPgSchema('lifecycle_faults');
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  proxy = await startFaultProxy({ port: Number(new URL(scratch.url).port || 5432) });
});
afterAll(async () => {
  await proxy.stop();
  await client.end();
  await scratch.drop();
});
beforeEach(() => {
  watch = watchProcessFaults();
});
afterEach(async () => {
  await proxy.clear();
  expect(watch.stop()).toEqual([]);
});

async function table(name: string, rows: number): Promise<void> {
  await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY, at timestamptz NOT NULL, body text)`);
  await client.query(`INSERT INTO ${name} SELECT i, now() - interval '400 days' + i * interval '1 second', md5(i::text) FROM generate_series(1, ${rows}) i`);
  await client.query(`CREATE INDEX ON ${name} (at)`);
}

function lifecycleOn(name: string, url: string): Lifecycle {
  return new Lifecycle({
    database: postgresDatabase({ connection: url, connectTimeoutMs: 1_000 }),
    limits: { statementTimeoutMs: 1_000, lockTimeoutMs: 500, leaseMs: 100 },
    policies: [{ name, table: name, timestampColumn: 'at', olderThan: '30d', action: 'delete', batch: { initial: 1_000, max: 1_000, pauseMs: 20 } }],
  });
}

test.each(['stall', 'reset'] as const)('a %s in the middle of a run ends it with LifecycleUnavailableError; the next run resumes and finishes', async (fault) => {
  const name = `t_${fault}`;
  await table(name, 50_000);
  const lifecycle = lifecycleOn(name, proxy.url(scratch.url));
  let faulted = false;
  const running = lifecycle.run({
    onProgress: (e) => {
      if (faulted || e.batches < 3) return;
      faulted = true;
      if (fault === 'stall') proxy.stall();
      else proxy.reset();
    },
  });
  const report = await settleWithin([() => running], BOUND_MS);
  expect(report).toMatchObject({ pending: 0, errors: { 'LifecycleUnavailableError:LIFECYCLE_UNAVAILABLE': 1 } });
  await lifecycle.close();
  await proxy.clear();
  await new Promise((resolve) => setTimeout(resolve, 150)); // the lease of the failed run (100 ms) runs out
  const again = lifecycleOn(name, proxy.url(scratch.url));
  const [result] = (await again.run()) as TableResult[];
  expect(result!.resumed).toBe(true);
  expect((await client.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n).toBe(0);
  const { rows } = await client.query(`SELECT sum(rows_deleted)::int AS n FROM core_lifecycle_batches WHERE policy = $1`, [name]);
  expect(rows[0].n).toBe(50_000);
  await again.close();
});

test('a refused database gives LifecycleUnavailableError at once, and a plan works again when it is back', async () => {
  await table('t_refused', 100);
  await proxy.refuse();
  const lifecycle = lifecycleOn('t_refused', proxy.url(scratch.url));
  const report = await settleWithin([() => lifecycle.plan()], BOUND_MS);
  expect(report).toMatchObject({ pending: 0, errors: { 'LifecycleUnavailableError:LIFECYCLE_UNAVAILABLE': 1 } });
  await proxy.clear();
  const [plan] = await lifecycle.plan();
  expect(plan).toMatchObject({ rows: 100 });
  await lifecycle.close();
});

describe('an archive store that stalls', () => {
  let s3: S3rverHandle;
  let s3proxy: FaultProxyHandle;
  let s3client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['faults'] });
    s3proxy = await startFaultProxy({ port: Number(new URL(s3.endpoint).port) });
    s3client = new S3Client({ endpoint: s3proxy.url(s3.endpoint), region: s3.region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  });
  afterAll(async () => {
    s3client.destroy();
    await s3proxy.stop();
    await s3.stop();
  });

  test('deletes nothing it could not archive and verify; the run resumes once the store answers', async () => {
    await table('t_store', 20_000);
    const make = () =>
      new Lifecycle({
        database: postgresDatabase({ connection: scratch.url }),
        archive: { storage: new S3Provider({ bucket: 'faults', client: s3client, timeoutMs: 1_000 }) },
        limits: { leaseMs: 100 },
        policies: [{ name: 't_store', table: 't_store', timestampColumn: 'at', olderThan: '30d', action: 'archive-then-delete', batch: { initial: 2_000, max: 2_000, pauseMs: 0 } }],
      });
    const lifecycle = make();
    let stalled = false;
    const running = lifecycle.run({
      onProgress: (e) => {
        if (!stalled && e.batches >= 2) {
          stalled = true;
          s3proxy.stall();
        }
      },
    });
    const report = await settleWithin([() => running], BOUND_MS);
    expect(report).toMatchObject({ pending: 0, errors: { 'LifecycleUnavailableError:LIFECYCLE_UNAVAILABLE': 1 } });
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM t_store`);
    const { rows: archived } = await client.query(`SELECT coalesce(sum(rows_archived), 0)::int AS n FROM core_lifecycle_batches WHERE policy = 't_store' AND status = 'done'`);
    expect(rows[0].n + archived[0].n).toBe(20_000);
    await lifecycle.close();
    await s3proxy.clear();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = make();
    const [result] = (await again.run()) as TableResult[];
    expect(result!.resumed).toBe(true);
    expect((await client.query(`SELECT count(*)::int AS n FROM t_store`)).rows[0].n).toBe(0);
    await again.close();
  });
});
