// One conformance suite for every SQL backend: PostgreSQL and SQLite.
import { AuditTrail, InvalidQueryError, LockTimeoutError, NotFoundError, TimeSeries, type Database } from '../src';
import { AccountEntity, type Account } from './entities';

/** Opens a fresh, empty database with the test entities; `dispose` removes it. */
export type DatabaseFactory = () => Promise<{ db: Database; dispose(): Promise<void> }>;

/** SQL-injection payloads fed through every field that takes user input. */
export const INJECTION_CORPUS = [
  "' OR '1'='1",
  "'; DROP TABLE accounts; --",
  '" OR ""="',
  "1; DELETE FROM accounts",
  "x' UNION SELECT NULL, NULL, NULL, NULL, NULL --",
  "\\'; SELECT pg_sleep(1); --",
  "') OR 1=1 --",
  '%27%20OR%201%3D1',
  "admin'--",
  "' AND 1=(SELECT COUNT(*) FROM accounts) --",
];

/** Registers the suite under `describe(name)`. */
export function repoConformance(name: string, factory: DatabaseFactory): void {
  describe(name, () => {
    let db: Database;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ db, dispose } = await factory());
    });
    afterEach(async () => {
      await dispose();
    });

    const accounts = () => db.repository<Account>(AccountEntity);

    it('creates, reads, updates, deletes, counts and checks existence', async () => {
      const repo = accounts();
      const ada = await repo.create({ owner: 'ada', balance: 10 });
      expect(ada).toMatchObject({ owner: 'ada', balance: 10, note: null });
      expect(typeof ada.id).toBe('number');
      expect(ada.createdAt).toBeInstanceOf(Date);
      expect(await repo.getById(ada.id)).toEqual(ada);
      expect(await repo.getById(999_999)).toBeUndefined();
      expect(await repo.update(ada.id, { balance: 25, note: 'vip' })).toMatchObject({ id: ada.id, balance: 25, note: 'vip' });
      expect(await repo.update(999_999, { balance: 1 })).toBeUndefined();
      expect(await repo.count()).toBe(1);
      expect(await repo.exists({ owner: 'ada' })).toBe(true);
      expect(await repo.exists({ owner: 'bob' })).toBe(false);
      expect(await repo.delete(ada.id)).toBe(true);
      expect(await repo.delete(ada.id)).toBe(false);
      expect(await repo.count()).toBe(0);
    });

    it('upserts on the primary key or another unique field', async () => {
      const repo = accounts();
      const first = await repo.upsert({ id: 7, owner: 'cy', balance: 1 });
      expect(first).toMatchObject({ id: 7, owner: 'cy', balance: 1 });
      const second = await repo.upsert({ id: 7, owner: 'cy', balance: 2 });
      expect(second).toMatchObject({ id: 7, balance: 2 });
      expect(await repo.count()).toBe(1);
    });

    it('filters by equality and ranges, orders, and caps the limit at 1,000', async () => {
      const repo = accounts();
      for (let i = 0; i < 30; i++) await repo.create({ owner: i % 2 === 0 ? 'even' : 'odd', balance: i });
      const page = await repo.getMany({ where: { owner: 'even', balance: { $gte: 10, $lt: 20 } }, orderBy: { balance: 'desc' } });
      expect(page.items.map((a) => a.balance)).toEqual([18, 16, 14, 12, 10]);
      expect((await repo.getMany({ where: { balance: { $in: [1, 2, 3] } } })).items).toHaveLength(3);
      expect((await repo.getMany({ where: { note: null } })).items).toHaveLength(30);
      expect((await repo.getMany({ where: { owner: { $ne: 'even' } }, limit: 5 })).items).toHaveLength(5);
      const offset = await repo.getMany({ orderBy: { balance: 'asc' }, limit: 10, offset: 20 });
      expect(offset.items.map((a) => a.balance)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    });

    it('never returns more than 1,000 rows, and walks pages with a keyset cursor', async () => {
      const repo = accounts();
      await db.transaction(async (tx) => {
        const r = tx.repository<Account>(AccountEntity);
        for (let i = 0; i < 1_205; i++) await r.create({ owner: `o${i % 7}`, balance: i % 50 });
      });
      const first = await repo.getMany({ limit: 5_000, orderBy: { balance: 'asc' } });
      expect(first.items).toHaveLength(1_000);
      const seen = new Set<number>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repo.getMany({ orderBy: { balance: 'asc' }, limit: 100, ...(cursor ? { cursor } : {}) });
        for (const a of page.items) seen.add(a.id);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(seen.size).toBe(1_205);
      expect(pages).toBe(13);
      await expect(repo.getMany({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it('checks values against the column type before the driver sees them', async () => {
      const repo = accounts();
      const ada = await repo.create({ owner: 'ada', balance: 1 });
      for (const call of [() => repo.getById('abc'), () => repo.getMany({ where: { balance: { $gt: 'x' as never } } }), () => repo.delete('1 OR 1=1'), () => repo.update(ada.id, { balance: 'lots' as never }), () => repo.create({ owner: 5 as never })]) {
        const error = await call().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidQueryError);
        expect((error as InvalidQueryError).code).toBe('REPO_INVALID_QUERY');
      }
      expect(await repo.getById(String(ada.id))).toMatchObject({ id: ada.id }); // digits are an integer
      expect(await repo.count()).toBe(1);
    });

    it('null in $ne and $in means IS NOT NULL and OR IS NULL; upsert of nothing is refused', async () => {
      const repo = accounts();
      await repo.create({ owner: 'a', balance: 1, note: 'x' });
      await repo.create({ owner: 'b', balance: 2, note: null });
      await repo.create({ owner: 'c', balance: 3, note: 'y' });
      expect((await repo.getMany({ where: { note: { $ne: null } }, orderBy: { balance: 'asc' } })).items.map((a) => a.owner)).toEqual(['a', 'c']);
      expect((await repo.getMany({ where: { note: { $in: [null, 'y'] } }, orderBy: { balance: 'asc' } })).items.map((a) => a.owner)).toEqual(['b', 'c']);
      expect((await repo.getMany({ where: { note: { $in: [null] } } })).items.map((a) => a.owner)).toEqual(['b']);
      await expect(repo.getMany({ where: { note: { $gt: null } } })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.upsert({})).rejects.toBeInstanceOf(InvalidQueryError);
      expect(await repo.count()).toBe(3);
    });

    it('walks a keyset cursor over a nullable sort key in both directions without losing or repeating a row', async () => {
      const repo = accounts();
      for (let i = 0; i < 23; i++) await repo.create({ owner: 'n', balance: i, note: i % 3 === 0 ? null : `k${i % 4}` });
      for (const direction of ['asc', 'desc'] as const) {
        const seen: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await repo.getMany({ orderBy: { note: direction }, limit: 4, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((a) => a.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(23);
        expect(new Set(seen).size).toBe(23);
      }
    });

    it('rejects unknown fields, operators and bad options with InvalidQueryError', async () => {
      const repo = accounts();
      await expect(repo.getMany({ where: { nope: 1 } as never })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.getMany({ orderBy: { 'balance; DROP TABLE accounts': 'asc' } as never })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.getMany({ orderBy: { balance: 'sideways' } as never })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.getMany({ where: { balance: { $regex: '.*' } } as never })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.getMany({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.create({ owner: 'x', hacker: true } as never)).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(repo.update(1, { 'owner = owner; --': 'x' } as never)).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it('passes an injection corpus through every user-input field and leaves the data unchanged', async () => {
      const repo = accounts();
      const keep = await repo.create({ owner: 'keeper', balance: 100 });
      for (const payload of INJECTION_CORPUS) {
        const stored = await repo.create({ owner: payload.slice(0, 100), note: payload, balance: 1 });
        expect(await repo.getById(stored.id)).toMatchObject({ owner: payload.slice(0, 100), note: payload });
        expect((await repo.getMany({ where: { owner: payload.slice(0, 100) } })).items.map((a) => a.id)).toEqual([stored.id]);
        expect(await repo.exists({ note: payload })).toBe(true);
        expect(await repo.count({ owner: { $in: [payload, 'nobody'] } })).toBe(payload.length <= 100 ? 1 : 0);
        await repo.update(stored.id, { note: `${payload}!` });
        expect((await repo.getById(stored.id))!.note).toBe(`${payload}!`);
        await expect(repo.getById(payload)).resolves.toBeUndefined().catch(() => undefined);
        await repo.delete(stored.id);
      }
      expect(await repo.getById(keep.id)).toEqual(keep);
      expect(await repo.count()).toBe(1);
    });

    it('updateWithLock reads the row locked, applies the change and commits', async () => {
      const repo = accounts();
      const a = await repo.create({ owner: 'lock', balance: 0 });
      await Promise.all(Array.from({ length: 10 }, () => repo.updateWithLock(a.id, (current) => ({ balance: current.balance + 1 }))));
      expect((await repo.getById(a.id))!.balance).toBe(10);
      await expect(repo.updateWithLock(424_242, (c) => c)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('transactions commit, roll back, and nest through savepoints', async () => {
      const repo = accounts();
      await db.transaction(async (tx) => {
        await tx.repository<Account>(AccountEntity).create({ owner: 'outer', balance: 1 });
        await expect(
          tx.transaction(async (inner) => {
            await inner.repository<Account>(AccountEntity).create({ owner: 'inner-failed', balance: 2 });
            throw new Error('inner fails');
          }),
        ).rejects.toThrow('inner fails');
        await tx.transaction(async (inner) => {
          await inner.repository<Account>(AccountEntity).create({ owner: 'inner-ok', balance: 3 });
        });
      });
      expect((await repo.getMany({ orderBy: { balance: 'asc' } })).items.map((a) => a.owner)).toEqual(['outer', 'inner-ok']);
      await expect(
        db.transaction(async (tx) => {
          await tx.repository<Account>(AccountEntity).create({ owner: 'rolled-back', balance: 9 });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await repo.exists({ owner: 'rolled-back' })).toBe(false);
      await db.transaction(async (tx) => void (await tx.query('SELECT 1')), { isolation: 'serializable' });
    });

    it('reports pool stats and no leaked connections after work', async () => {
      const repo = accounts();
      await Promise.all(Array.from({ length: 20 }, (_, i) => repo.create({ owner: `p${i}`, balance: i })));
      const stats = db.stats();
      expect(stats.primary.breaker).toBe('closed');
      expect(stats.primary.pool).toMatchObject({ checkedOut: 0, waiting: 0 });
      expect(stats.primary.pool.max).toBeGreaterThan(0);
      expect(db.leaks(0)).toEqual([]);
      expect((await db.health()).status).toBe('up');
    });

    it('lock timeouts surface as LockTimeoutError', async () => {
      const repo = accounts();
      const a = await repo.create({ owner: 'contended', balance: 0 });
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = repo.updateWithLock(a.id, async () => {
        locked();
        await held;
        return { balance: 1 };
      });
      await isLocked;
      try {
        await expect(repo.updateWithLock(a.id, () => ({ balance: 2 }), { lockTimeoutMs: 200, nowait: db.dialect === 'postgres' ? false : undefined })).rejects.toBeInstanceOf(LockTimeoutError);
      } finally {
        release();
        await holder;
      }
      expect((await repo.getById(a.id))!.balance).toBe(1);
    });

    it('bulk loads 1 M rows with progress, all or nothing', async () => {
      const repo = accounts();
      const progress: number[] = [];
      const rows = (function* () {
        for (let i = 0; i < 1_000_000; i++) yield { owner: `bulk-${i % 1_000}`, balance: i, note: i % 3 === 0 ? null : `n"${i},` };
      })();
      expect(await repo.bulkLoad(rows, { onProgress: (p) => progress.push(p.rows), progressEvery: 100_000 })).toBe(1_000_000);
      expect(progress.slice(0, 3)).toEqual([100_000, 200_000, 300_000]);
      expect(progress.at(-1)).toBe(1_000_000);
      expect(await repo.count()).toBe(1_000_000);
      expect((await repo.getMany({ where: { balance: 999_998 } })).items[0]).toMatchObject({ owner: 'bulk-998', note: 'n"999998,' });
      expect((await repo.getMany({ where: { balance: 3 } })).items[0]!.note).toBeNull();
      // A bad row fails the whole load: nothing of it stays.
      const bad = (function* () {
        yield { owner: 'ok', balance: 1 };
        yield { owner: null as unknown as string, balance: 2 }; // NOT NULL violated
      })();
      await expect(repo.bulkLoad(bad)).rejects.toThrow();
      expect(await repo.count()).toBe(1_000_000);
      await expect(repo.bulkLoad([{ owner: 'a', nope: 1 } as never])).rejects.toBeInstanceOf(InvalidQueryError);
    }, 180_000);

    it('the audit chain verifies, and names the first record altered, deleted or reordered with raw SQL', async () => {
      const audit = new AuditTrail(db, { key: 'k'.repeat(32) });
      const t0 = new Date('2026-01-01T00:00:00Z');
      for (let i = 0; i < 8; i++) {
        await audit.log({ action: i % 2 ? 'update' : 'create', resourceType: 'invoice', resourceId: `inv-${i % 3}`, userId: 'u1', details: { amount: i * 10, nested: { z: 1, a: 2 } }, timestamp: new Date(t0.getTime() + i * 60_000) });
      }
      expect(await audit.verify()).toEqual({ ok: true, checked: 8 });
      const trail = await audit.trail('invoice', 'inv-1', { from: t0, to: new Date(t0.getTime() + 8 * 60_000) });
      expect(trail.map((r) => r.seq)).toEqual([2, 5, 8]);

      const q = (sql: string) => db.query(sql);
      const fresh = async () => {
        await q('DELETE FROM audit_logs');
        for (let i = 0; i < 8; i++) await audit.log({ action: 'update', resourceType: 'invoice', resourceId: 'inv', details: { i } });
        expect(await audit.verify()).toEqual({ ok: true, checked: 8 });
      };

      await q(`UPDATE audit_logs SET details = ${db.dialect === 'postgres' ? `'{"amount": 9999}'::jsonb` : `'{"amount":9999}'`} WHERE seq = 4`);
      expect(await audit.verify()).toMatchObject({ ok: false, seq: 4, problem: 'altered', checked: 3 });

      await fresh();
      await q('DELETE FROM audit_logs WHERE seq = 4');
      expect(await audit.verify()).toMatchObject({ ok: false, seq: 4, problem: 'deleted', checked: 3 });

      await fresh();
      // Swap records 5 and 6: the sequence number is signed, so each now fails its own signature.
      await q('UPDATE audit_logs SET seq = -1 WHERE seq = 5');
      await q('UPDATE audit_logs SET seq = 5 WHERE seq = 6');
      await q('UPDATE audit_logs SET seq = 6 WHERE seq = -1');
      const swapped = await audit.verify();
      expect(swapped).toMatchObject({ ok: false, seq: 5, checked: 4 });
      expect(['altered', 'reordered']).toContain((swapped as { problem: string }).problem);

      await fresh();
      // Move a validly signed record behind another one (seq and signatures untouched, chain links broken).
      await q('DELETE FROM audit_logs WHERE seq = 5');
      await q('UPDATE audit_logs SET seq = 5 WHERE seq = 6');
      const relinked = await audit.verify();
      expect(relinked).toMatchObject({ ok: false, seq: 5 });
    });

    it('time-series buckets: batched writes, flush on close, avg/min/max/sum/count per bucket', async () => {
      const series = new TimeSeries(db, { maxBatch: 50, flushIntervalMs: 60_000 });
      const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
      const samples: Array<[number, number]> = [];
      for (let i = 0; i < 130; i++) {
        const at = t0 + i * 7_000 + 123; // every 7 s, off the minute grid
        const value = (i % 13) * 1.5;
        samples.push([at, value]);
        await series.write('cpu', value, { host: 'a' }, new Date(at));
        await series.write('mem', 1, undefined, new Date(at));
      }
      expect(series.pending).toBeLessThan(50);
      await series.close(); // flushes the rest
      const from = new Date(t0);
      const to = new Date(t0 + 15 * 60_000);
      for (const aggregation of ['avg', 'min', 'max', 'sum', 'count'] as const) {
        const got = await series.series('cpu', from, to, 60_000, aggregation);
        const expected = new Map<number, number[]>();
        for (const [at, value] of samples) {
          if (at >= to.getTime()) continue;
          const start = Math.floor(at / 60_000) * 60_000;
          expected.set(start, [...(expected.get(start) ?? []), value]);
        }
        const want = [...expected.entries()].sort((a, b) => a[0] - b[0]).map(([start, values]) => ({
          start: new Date(start),
          value: aggregation === 'avg' ? values.reduce((a, b) => a + b, 0) / values.length : aggregation === 'min' ? Math.min(...values) : aggregation === 'max' ? Math.max(...values) : aggregation === 'sum' ? values.reduce((a, b) => a + b, 0) : values.length,
        }));
        expect(got.map((b) => b.start.toISOString())).toEqual(want.map((b) => b.start.toISOString()));
        got.forEach((b, i) => expect(b.value).toBeCloseTo(want[i]!.value, 9));
      }
      expect(await series.series('cpu', from, new Date(t0 + 60_000), 60_000, 'count')).toEqual([{ start: new Date(t0), value: 9 }]);
      await expect(series.series('cpu', from, to, 60_000, 'median' as never)).rejects.toBeInstanceOf(InvalidQueryError);
    });
  });
}
