import { ObjectId, type Collection, type Document } from 'mongodb';
import { DataSource } from 'typeorm';
import { InvalidQueryError, LockTimeoutError } from '../src';
import { MongoEndpoint } from '../src/mongodb/mongo-endpoint';
import { MongoRepository } from '../src/mongodb/mongo-repository';
import { DocEntity, type Doc } from './mongo-entities';

// A RECORDING MOCK of a MongoDB collection: no MongoDB server can run on this machine (the real-server
// suite, tests/mongodb.test.ts, runs when MONGODB_URL is set). This only checks what the repository
// sends to the driver — field mapping, ObjectIds, operators, cursors, maxTimeMS — and what it refuses.

function recordingCollection(answers: Partial<Record<string, unknown[]>> = {}) {
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const answer = (method: string) => (answers[method]?.length ? answers[method]!.shift() : null);
  const collection = {
    insertOne: async (...args: unknown[]) => (calls.push({ method: 'insertOne', args }), { insertedId: new ObjectId() }),
    findOne: async (...args: unknown[]) => (calls.push({ method: 'findOne', args }), answer('findOne')),
    find: (...args: unknown[]) => (calls.push({ method: 'find', args }), { toArray: async () => answer('find') ?? [] }),
    findOneAndUpdate: async (...args: unknown[]) => (calls.push({ method: 'findOneAndUpdate', args }), answer('findOneAndUpdate')),
    deleteOne: async (...args: unknown[]) => (calls.push({ method: 'deleteOne', args }), { deletedCount: 1 }),
    countDocuments: async (...args: unknown[]) => (calls.push({ method: 'countDocuments', args }), 3),
    insertMany: async (...args: unknown[]) => (calls.push({ method: 'insertMany', args }), {}),
  };
  return { calls, collection: collection as unknown as Collection<Document> };
}

describe('MongoDB repository translation (recording mock collection, not a server)', () => {
  let metadata: ReturnType<DataSource['getMetadata']>;
  beforeAll(async () => {
    const dataSource = new DataSource({ type: 'mongodb', url: 'mongodb://127.0.0.1:1/none', entities: [DocEntity] });
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas(); // metadata only, no connection
    metadata = dataSource.getMetadata('Doc');
  });
  const repoWith = (answers?: Partial<Record<string, unknown[]>>) => {
    const { calls, collection } = recordingCollection(answers);
    return { calls, repo: new MongoRepository<Doc>(metadata, collection, new MongoEndpoint('mongodb', 4, { timeoutMs: 1_234 })) };
  };

  it('create fills defaults, maps column names and passes maxTimeMS', async () => {
    const { calls, repo } = repoWith();
    const created = await repo.create({ owner: 'ada' });
    const [doc, options] = calls[0]!.args as [Document, Document];
    expect(calls[0]!.method).toBe('insertOne');
    expect(doc).toMatchObject({ owner: 'ada', balance: 0, note: null, created_at: expect.any(Date) });
    expect(options).toEqual({ maxTimeMS: 1_234 });
    expect(created).toMatchObject({ owner: 'ada', balance: 0, note: null });
  });

  it('getById looks up _id as an ObjectId and hydrates property names', async () => {
    const id = new ObjectId();
    const { calls, repo } = repoWith({ findOne: [{ _id: id, owner: 'bob', balance: 2, note: null, created_at: new Date(0) }] });
    expect(await repo.getById(id.toHexString())).toEqual({ id: id.toHexString(), owner: 'bob', balance: 2, note: null, createdAt: new Date(0) });
    expect(calls[0]!.args[0]).toEqual({ _id: id });
    await expect(repo.getById('not-an-object-id')).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it('getMany builds filters, sort with an _id tie-break, the limit cap and keyset cursors', async () => {
    const last = { _id: new ObjectId(), owner: 'x', balance: 7, note: null, created_at: new Date(0) };
    const { calls, repo } = repoWith({ find: [[last], []] });
    const first = await repo.getMany({ where: { owner: { $in: ['x', 'y'] }, balance: { $gte: 1, $lt: 9 }, note: null }, orderBy: { balance: 'desc' }, limit: 1 });
    const [filter, options] = calls[0]!.args as [Document, Document];
    expect(filter).toEqual({ owner: { $in: ['x', 'y'] }, balance: { $gte: 1, $lt: 9 }, note: null });
    expect(options).toMatchObject({ sort: { balance: -1, _id: -1 }, limit: 1, maxTimeMS: 1_234 });
    expect(first.nextCursor).toBeDefined();
    await repo.getMany({ orderBy: { balance: 'desc' }, limit: 1, cursor: first.nextCursor });
    expect((calls[1]!.args[0] as Document).$and).toEqual([{ $or: [{ balance: { $lt: 7 } }, { balance: 7, _id: { $lt: last._id } }] }]);
    await repo.getMany({ limit: 50_000 });
    expect((calls[2]!.args[1] as Document).limit).toBe(1_000);
  });

  it('refuses unknown fields and operators (NoSQL injection objects) before calling the driver', async () => {
    const { calls, repo } = repoWith();
    await expect(repo.getMany({ where: { owner: { $where: 'sleep(100)' } } as never })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.getMany({ where: { owner: { $ne: { $gt: '' } } } as never })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.count({ secret: 1 } as never)).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.create({ owner: 'x', $set: {} } as never)).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(repo.update(new ObjectId().toHexString(), { owner: { $gt: '' } } as never)).rejects.toBeInstanceOf(InvalidQueryError);
    expect(calls).toEqual([]);
  });

  it('updateWithLock updates only the unchanged document; with nowait a conflict is a LockTimeoutError', async () => {
    const current = { _id: new ObjectId(), owner: 'x', balance: 1, note: null, created_at: new Date(0) };
    const { calls, repo } = repoWith({ findOne: [current], findOneAndUpdate: [null] });
    await expect(repo.updateWithLock(current._id.toHexString(), (c) => ({ balance: c.balance + 1 }), { nowait: true })).rejects.toBeInstanceOf(LockTimeoutError);
    const update = calls.find((c) => c.method === 'findOneAndUpdate')!;
    expect(update.args[0]).toEqual(current); // matches only the document as it was read
    expect(update.args[1]).toEqual({ $set: { balance: 2 } });
  });
});
