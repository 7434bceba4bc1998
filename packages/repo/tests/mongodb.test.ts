import { describeWithEnv, testEnv, uniqueName } from '@core/testing';
import { InvalidQueryError, LockTimeoutError, NotFoundError } from '../src';
import { mongoDatabase, type MongoDatabase } from '../src/mongodb';
import { DocEntity, type Doc } from './mongo-entities';

// MongoDB cannot run on the CI machine: this suite runs when MONGODB_URL is set and is reported as
// skipped, by name, otherwise.
describeWithEnv('MONGODB_URL', 'MongoDB repository (TypeORM MongoDB driver)', () => {
  let db: MongoDatabase;
  beforeAll(async () => {
    const url = new URL(testEnv().mongodbUrl!);
    url.pathname = `/${uniqueName('repo')}`;
    db = await mongoDatabase({ url: url.toString(), entities: [DocEntity], synchronize: true, endpoint: { timeoutMs: 5_000 } });
  });
  afterAll(async () => {
    await (db.dataSource.driver as unknown as { queryRunner: { databaseConnection: { db(): { dropDatabase(): Promise<unknown> } } } }).queryRunner.databaseConnection.db().dropDatabase();
    await db.close();
  });

  it('creates, reads, updates, upserts, deletes, counts', async () => {
    const repo = db.repository<Doc>(DocEntity);
    const a = await repo.create({ owner: 'ada', balance: 5 });
    expect(a).toMatchObject({ owner: 'ada', balance: 5, note: null });
    expect(typeof a.id).toBe('string');
    expect(a.createdAt).toBeInstanceOf(Date);
    expect(await repo.getById(a.id)).toEqual(a);
    expect(await repo.update(a.id, { balance: 6 })).toMatchObject({ balance: 6 });
    expect(await repo.upsert({ owner: 'bob', balance: 1 }, ['owner'])).toMatchObject({ owner: 'bob', balance: 1 });
    expect(await repo.upsert({ owner: 'bob', balance: 2 }, ['owner'])).toMatchObject({ owner: 'bob', balance: 2 });
    expect(await repo.count()).toBe(2);
    expect(await repo.exists({ owner: 'bob' })).toBe(true);
    expect(await repo.delete(a.id)).toBe(true);
    expect(await repo.getById(a.id)).toBeUndefined();
  });

  it('filters, orders, caps and pages with a cursor', async () => {
    const repo = db.repository<Doc>(DocEntity);
    await repo.bulkLoad(Array.from({ length: 1_205 }, (_, i) => ({ owner: `p${i % 3}`, balance: i % 50 })));
    expect((await repo.getMany({ limit: 5_000 })).items).toHaveLength(1_000);
    expect((await repo.getMany({ where: { owner: 'p1', balance: { $gte: 10, $lt: 12 } } })).items.every((d) => d.owner === 'p1' && d.balance >= 10 && d.balance < 12)).toBe(true);
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await repo.getMany({ where: { owner: { $in: ['p0', 'p1', 'p2'] } }, orderBy: { balance: 'asc' }, limit: 100, ...(cursor ? { cursor } : {}) });
      page.items.forEach((d) => seen.add(d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(1_205);
  });

  it('rejects unknown fields and operators, including NoSQL injection objects', async () => {
    const repo = db.repository<Doc>(DocEntity);
    await expect(repo.getMany({ where: { nope: 1 } as never })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.getMany({ where: { owner: { $where: 'sleep(1000)' } } as never })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.getMany({ where: { owner: { $ne: { $gt: '' } } } as never })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.create({ owner: 'x', $set: { balance: 1 } } as never)).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it('updateWithLock applies concurrent changes one at a time; nowait gives up on a conflict', async () => {
    const repo = db.repository<Doc>(DocEntity);
    const a = await repo.create({ owner: 'lock', balance: 0 });
    await Promise.all(Array.from({ length: 10 }, () => repo.updateWithLock(a.id, (c) => ({ balance: c.balance + 1 }))));
    expect((await repo.getById(a.id))!.balance).toBe(10);
    await expect(repo.updateWithLock('0123456789abcdef01234567', (c) => c)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      repo.updateWithLock(a.id, async (c) => {
        await repo.update(a.id, { note: 'changed meanwhile' });
        return { balance: c.balance + 1 };
      }, { nowait: true }),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    expect((await db.health()).status).toBe('up');
  });
});
