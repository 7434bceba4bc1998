import type pg from 'pg';
import type { StorageProvider } from '@core/cloud-storage';
import { listAll } from '@core/cloud-storage';
import { ArchiveStore } from '../src/archive/archive-store';

/**
 * `rows` events, one every 20 s ending now (row 1 is the oldest), so `olderThan: '180d'` reaches
 * the first ~222,000 of a million; an index on created_at as a retention policy needs.
 */
export async function seedEvents(client: pg.ClientBase, table: string, rows: number): Promise<void> {
  await client.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, account_id int NOT NULL, kind text NOT NULL, amount numeric(12,2), payload jsonb)`);
  await client.query(
    `INSERT INTO ${table} SELECT i, now() - (${rows} - i) * interval '20 seconds', i % 1000, CASE WHEN i % 7 = 0 THEN 'audit' ELSE 'click' END, (i % 10000) / 100.0, jsonb_build_object('n', i, 's', md5(i::text))
       FROM generate_series(1, ${rows}) i`,
  );
  await client.query(`CREATE INDEX ON ${table} (created_at)`);
  await client.query(`ANALYZE ${table}`);
  await client.query(`CREATE TABLE ${table}_orig AS SELECT * FROM ${table}`);
}

/** Data keys of every archive the ledger counts (verified: archived or done). */
export async function countedArchives(client: pg.ClientBase, prefix = 'core_lifecycle'): Promise<string[]> {
  const { rows } = await client.query<{ archive_key: string }>(`SELECT archive_key FROM ${prefix}_batches WHERE status IN ('archived', 'done') AND archive_key IS NOT NULL ORDER BY run_id, seq`);
  return rows.map((r) => r.archive_key);
}

/**
 * Checks archived ∪ remaining = original: every original row is either still in the table or in
 * exactly one counted archive, byte for byte as JSON, and no archive the ledger does not count is
 * left in the store. Resolves to the number of archived rows.
 */
export async function assertConserved(client: pg.ClientBase, table: string, storage: StorageProvider, passphrase?: string): Promise<number> {
  const store = new ArchiveStore(storage, passphrase ? { passphrase } : {});
  const counted = await countedArchives(client);
  const inStore: string[] = [];
  for await (const o of listAll(storage, {})) if (/\.ndjson\.gz(\.sealed)?$/.test(o.key)) inStore.push(o.key);
  expect(inStore.sort()).toEqual([...counted].sort());
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS archived_rows (j text)`);
  await client.query(`TRUNCATE archived_rows`);
  for (const key of counted) {
    const lines = await store.lines(await store.manifest(key));
    await client.query(`INSERT INTO archived_rows SELECT unnest($1::text[])`, [lines]);
  }
  const { rows } = await client.query<{ original: string; remaining: string; archived: string; missing: string; extra: string; dup: string }>(`
    WITH everything AS (SELECT row_to_json(t)::text AS j FROM ${table} t UNION ALL SELECT j FROM archived_rows)
    SELECT (SELECT count(*) FROM ${table}_orig) AS original, (SELECT count(*) FROM ${table}) AS remaining, (SELECT count(*) FROM archived_rows) AS archived,
           (SELECT count(*) FROM (SELECT row_to_json(o)::text FROM ${table}_orig o EXCEPT SELECT j FROM everything) m) AS missing,
           (SELECT count(*) FROM (SELECT j FROM everything EXCEPT SELECT row_to_json(o)::text FROM ${table}_orig o) x) AS extra,
           (SELECT count(*) - count(DISTINCT (j::json->>'id')) FROM everything) AS dup`);
  const r = rows[0]!;
  expect({ missing: Number(r.missing), extra: Number(r.extra), duplicated: Number(r.dup), total: Number(r.remaining) + Number(r.archived) }).toEqual({ missing: 0, extra: 0, duplicated: 0, total: Number(r.original) });
  return Number(r.archived);
}
