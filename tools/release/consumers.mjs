// What the release rehearsal checks in a consumer project for each published package: one named export
// that ESM, CJS and TypeScript must all see, and each subpath exercised on a real service after its
// optional peers are installed. Scripts run inside the consumer (ESM), with PG_URL / REDIS_URL set.

/** Database, cloud and native drivers: a package installed alone must bring none (they are optional peers). */
export const DRIVERS = [
  'pg', 'pg-copy-streams', 'redis', 'ioredis', 'mongodb', 'better-sqlite3', 'sqlite3', 'hnswlib-node',
  '@pinecone-database/pinecone', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/s3-request-presigner',
  '@azure/storage-blob',
];

/** @type {Record<string, { exportName: string; typeUse: string; subpaths: Array<{ peers: string[]; script: string }> }>} */
export const CONSUMERS = {
  '@core/cache': {
    exportName: 'Cache',
    typeUse: 'const c: typeof Cache = Cache; void c;',
    subpaths: [
      {
        peers: ['redis@^5'],
        script: `
          import { Cache } from '@core/cache';
          import { redisTier } from '@core/cache/redis';
          const l2 = redisTier({ url: process.env.REDIS_URL, prefix: 'rehearsal-' + process.pid });
          const cache = new Cache({ l2, ttl: 60_000 });
          const value = await cache.getOrSet('k', () => 'from the factory');
          if (value !== 'from the factory') throw new Error('cache/redis returned ' + value);
          await cache.clear();
          await cache.close();
        `,
      },
    ],
  },
  '@core/repo': {
    exportName: 'TimeSeries',
    typeUse: 'const ts: typeof TimeSeries = TimeSeries; void ts;',
    subpaths: [
      {
        peers: ['pg@^8.11', 'pg-copy-streams@^7'],
        script: `
          import { EntitySchema } from 'typeorm';
          import { postgresDatabase } from '@core/repo/postgres';
          const Note = new EntitySchema({ name: 'RehearsalNote', tableName: 'rehearsal_notes_' + process.pid, columns: { id: { type: Number, primary: true, generated: 'increment' }, body: { type: String } } });
          const db = await postgresDatabase({ url: process.env.PG_URL, entities: [Note], synchronize: true });
          const notes = db.repository(Note);
          await notes.create({ body: 'hello' });
          const page = await notes.getMany({ where: { body: 'hello' }, limit: 10 });
          if (page.items.length !== 1) throw new Error('repo/postgres read ' + page.items.length + ' rows');
          await db.dataSource.query('drop table rehearsal_notes_' + process.pid);
          await db.close();
        `,
      },
    ],
  },
  '@core/migrate': {
    exportName: 'Migrator',
    typeUse: "const m: typeof Migrator = Migrator; void m;",
    subpaths: [
      {
        peers: ['pg@^8.11'],
        script: `
          import { mkdtempSync, writeFileSync } from 'node:fs';
          import { tmpdir } from 'node:os';
          import { join } from 'node:path';
          import { Migrator } from '@core/migrate';
          import { PostgresDriver } from '@core/migrate/postgres';
          const dir = mkdtempSync(join(tmpdir(), 'rehearsal-migrations-'));
          const schema = 'rehearsal_' + process.pid;
          writeFileSync(join(dir, '20260101000000_create.sql'), '-- migrate:up\\ncreate table t (x int);\\n-- migrate:down\\ndrop table t;\\n');
          const migrator = new Migrator({ driver: new PostgresDriver({ connectionString: process.env.PG_URL, schema }), directory: dir });
          const applied = await migrator.up();
          if (applied.length !== 1) throw new Error('migrate/postgres applied ' + applied.length);
          await migrator.down({ to: 0 });
          await migrator.close();
          const { default: pg } = await import('pg');
          const client = new pg.Client({ connectionString: process.env.PG_URL });
          await client.connect();
          await client.query('drop schema ' + schema + ' cascade');
          await client.end();
        `,
      },
    ],
  },
  '@core/cloud-storage': {
    exportName: 'readAll',
    typeUse: "const r: typeof readAll = readAll; void r;",
    subpaths: [
      {
        peers: [],
        script: `
          import { mkdtempSync } from 'node:fs';
          import { tmpdir } from 'node:os';
          import { join } from 'node:path';
          import { readAll } from '@core/cloud-storage';
          import { LocalProvider } from '@core/cloud-storage/local';
          const disk = new LocalProvider({ root: mkdtempSync(join(tmpdir(), 'rehearsal-storage-')) });
          await disk.put('a/b.txt', 'hello');
          if ((await readAll(await disk.get('a/b.txt', { verify: true }))).toString() !== 'hello') throw new Error('cloud-storage/local read back something else');
        `,
      },
    ],
  },
  '@core/vector': {
    exportName: 'compileFilter',
    typeUse: "const f: typeof compileFilter = compileFilter; void f;",
    subpaths: [
      {
        peers: ['hnswlib-node@^3'],
        script: `
          import { mkdtempSync } from 'node:fs';
          import { tmpdir } from 'node:os';
          import { join } from 'node:path';
          import { EmbeddedVectorStore } from '@core/vector/embedded';
          const store = new EmbeddedVectorStore({ dir: mkdtempSync(join(tmpdir(), 'rehearsal-vectors-')), sweepIntervalMs: 0 });
          const c = await store.createCollection({ name: 'docs', dimension: 2 });
          await c.upsert([{ id: 'a', vector: [1, 0] }, { id: 'b', vector: [0, 1] }]);
          const [top] = await c.query({ vector: [0.9, 0.1], topK: 1 });
          if (top.id !== 'a') throw new Error('vector/embedded found ' + top.id);
          await store.close();
        `,
      },
    ],
  },
  '@core/backup': {
    exportName: 'Repository',
    typeUse: "const r: typeof Repository = Repository; void r;",
    subpaths: [
      {
        peers: [],
        script: `
          import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
          import { tmpdir } from 'node:os';
          import { join } from 'node:path';
          import { backup, FolderSource, Repository, restore, verify } from '@core/backup';
          import { PostgresSource } from '@core/backup/postgres';
          import { LocalProvider } from '@core/cloud-storage/local';
          const work = mkdtempSync(join(tmpdir(), 'rehearsal-backup-'));
          writeFileSync(join(work, 'file.txt'), 'hello backup');
          const repo = await Repository.init(new LocalProvider({ root: join(work, 'repo') }), { passphrase: 'rehearsal passphrase', scrypt: { N: 1024, r: 8, p: 1 } });
          const { snapshot } = await backup(repo, new FolderSource(work, { exclude: ['repo'] }));
          await restore(repo, snapshot.id, { target: join(work, 'out') });
          if (readFileSync(join(work, 'out', 'file.txt'), 'utf8') !== 'hello backup') throw new Error('backup restored something else');
          await backup(repo, new PostgresSource({ url: process.env.PG_URL }));
          if (!(await verify(repo, { readData: true })).ok) throw new Error('backup repository does not verify');
        `,
      },
    ],
  },
  '@core/lifecycle': {
    exportName: 'Lifecycle',
    typeUse: 'const l: typeof Lifecycle = Lifecycle; void l;',
    subpaths: [
      {
        peers: ['pg@^8'],
        script: `
          import pg from 'pg';
          import { Lifecycle } from '@core/lifecycle';
          import { postgresDatabase } from '@core/lifecycle/postgres';
          const table = 'rehearsal_lifecycle_' + process.pid;
          const client = new pg.Client({ connectionString: process.env.PG_URL });
          await client.connect();
          await client.query('CREATE TABLE ' + table + ' (id int PRIMARY KEY, at timestamptz NOT NULL)');
          await client.query('CREATE INDEX ON ' + table + " (at)");
          await client.query('INSERT INTO ' + table + " SELECT i, now() - i * interval '1 day' + interval '12 hours' FROM generate_series(1, 100) i");
          const lifecycle = new Lifecycle({ database: postgresDatabase({ connection: process.env.PG_URL }), ledgerPrefix: table + '_ledger', policies: [{ name: 'r', table, timestampColumn: 'at', olderThan: '30d', action: 'delete' }] });
          const [result] = await lifecycle.run();
          await lifecycle.close();
          const left = (await client.query('SELECT count(*)::int AS n FROM ' + table)).rows[0].n;
          await client.query('DROP TABLE ' + table + ', ' + table + '_ledger_runs, ' + table + '_ledger_batches');
          await client.end();
          if (result.rowsDeleted !== 70 || left !== 30) throw new Error('lifecycle/postgres deleted ' + result.rowsDeleted + ', left ' + left);
        `,
      },
      {
        peers: ['better-sqlite3@^12'],
        script: `
          import Database from 'better-sqlite3';
          import { Lifecycle } from '@core/lifecycle';
          import { sqliteDatabase } from '@core/lifecycle/sqlite';
          const db = new Database(':memory:');
          db.exec('CREATE TABLE logs (id INTEGER PRIMARY KEY, at TEXT NOT NULL); CREATE INDEX logs_at ON logs (at)');
          const insert = db.prepare('INSERT INTO logs (at) VALUES (?)');
          for (let i = 1; i <= 100; i++) insert.run(new Date(Date.now() - i * 86400000 + 43200000).toISOString());
          const lifecycle = new Lifecycle({ database: sqliteDatabase({ database: db }), policies: [{ name: 'logs', table: 'logs', timestampColumn: 'at', olderThan: '30d', action: 'delete' }] });
          const [result] = await lifecycle.run();
          if (result.rowsDeleted !== 70) throw new Error('lifecycle/sqlite deleted ' + result.rowsDeleted);
        `,
      },
    ],
  },
  '@core/monitor': {
    exportName: 'HealthRegistry',
    typeUse: "const h: typeof HealthRegistry = HealthRegistry; void h;",
    subpaths: [
      {
        peers: ['pg@^8'],
        script: `
          import pg from 'pg';
          import { HealthRegistry } from '@core/monitor';
          import { PostgresInsight } from '@core/monitor/postgres';
          const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 1 });
          const insight = new PostgresInsight(pool);
          const health = new HealthRegistry().register({ name: 'postgres', run: async () => ((await pool.query('select 1')).rows.length === 1 ? { status: 'up' } : { status: 'down' }) });
          if ((await health.report()).status !== 'up') throw new Error('monitor health is not up');
          const report = await insight.run();
          if (!report.checks.every((check) => check.ok)) throw new Error('monitor insight failed: ' + JSON.stringify(report.checks.filter((check) => !check.ok)));
          await pool.end();
        `,
      },
    ],
  },
};
