import pg from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { createPgSchema, killAtRandom, seededRandom } from '@core/testing';
import type { PgScratch } from '@core/testing';
import { Lifecycle } from '../src';
import type { TableResult } from '../src';
import { postgresDatabase } from '../src/postgres';
import { assertConserved, seedEvents } from './pg-fixtures';

jest.setTimeout(600_000);

let scratch: PgScratch;
let client: pg.Client;
let root: string;
const now = new Date();

beforeAll(async () => {
  scratch = await createPgSchema('lifecycle_crash');
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  root = await mkdtemp(join(tmpdir(), 'lifecycle-crash-'));
  await seedEvents(client, 'events', 1_000_000);
});
afterAll(async () => {
  await client.end();
  await scratch.drop();
  await rm(root, { recursive: true, force: true });
});

const child = join(__dirname, 'crash-child.ts');

test('SIGKILL between archive and delete, inside the delete, after an upload and at random points: the resumed run leaves archived ∪ remaining = original, nothing twice', async () => {
  const kills: string[] = [];
  for (const mode of ['after-archive', 'mid-delete', 'mid-upload']) {
    await killAtRandom(child, ['postgres', scratch.url, 'events', root, String(now.getTime()), mode, '2'], Number.MAX_SAFE_INTEGER, 0);
    kills.push(mode);
    // Each crash leaves an unfinished run that the next runner takes over.
    const { rows } = await client.query(`SELECT status FROM core_lifecycle_runs WHERE policy = 'crash'`);
    expect(rows.map((r) => r.status)).toEqual(['running']);
    await new Promise((resolve) => setTimeout(resolve, 250)); // the dead runner's lease (200 ms) expires
  }
  const random = seededRandom(20261202);
  for (let i = 0; i < 4; i++) {
    const run = await killAtRandom(child, ['postgres', scratch.url, 'events', root, String(now.getTime()), 'random'], 1 + Math.floor(random() * 3), Math.floor(random() * 150));
    kills.push(`random after ${run.acked.length} batches`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const storage = new LocalProvider({ root });
  const lifecycle = new Lifecycle({
    database: postgresDatabase({ connection: scratch.url }),
    archive: { storage, passphrase: 'crash test' },
    limits: { leaseMs: 200 },
    policies: [{ name: 'crash', table: 'events', timestampColumn: 'created_at', olderThan: '180d', action: 'archive-then-delete', batch: { initial: 20_000, max: 50_000, pauseMs: 0 } }],
  });
  const [result] = (await lifecycle.run({ now })) as TableResult[];
  expect(result!.resumed).toBe(true);
  const { rows: batches } = await client.query(`SELECT status, count(*)::int AS n FROM core_lifecycle_batches GROUP BY status ORDER BY status`);
  // At least the mid-upload crash left an unverified archive that was discarded and removed.
  expect(batches.find((b) => b.status === 'discarded')?.n).toBeGreaterThan(0);
  expect(batches.filter((b) => b.status !== 'done' && b.status !== 'discarded')).toEqual([]);
  const archived = await assertConserved(client, 'events', storage, 'crash test');
  const { rows: left } = await client.query(`SELECT count(*)::int AS n FROM events WHERE created_at < $1`, [result!.plan.cutoff]);
  expect(left[0].n).toBe(0);
  expect(archived).toBeGreaterThan(221_000);
  expect(kills).toHaveLength(7);
  await lifecycle.close();
});
