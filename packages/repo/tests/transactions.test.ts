import { createPgDatabase, type PgScratch } from '@core/testing';
import type { Database } from '../src';
import { postgresDatabase } from '../src/postgres';
import { AccountEntity, type Account } from './entities';

describe('transactions retried whole after a serialization failure (PostgreSQL)', () => {
  let scratch: PgScratch;
  let db: Database;
  beforeAll(async () => {
    scratch = await createPgDatabase('repo_tx');
    db = await postgresDatabase({ url: scratch.url, entities: [AccountEntity], synchronize: true, pool: { max: 4 } });
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  it('two SERIALIZABLE transactions that read what the other writes both commit, one of them on a retry', async () => {
    const accounts = db.repository<Account>(AccountEntity);
    await accounts.create({ owner: 'a', balance: 100 });
    await accounts.create({ owner: 'b', balance: 100 });
    let attempts = 0;
    let bothInside!: () => void;
    const barrier = new Promise<void>((r) => (bothInside = r));
    let inside = 0;
    // Classic write skew: each reads the total, then withdraws from its own account if the total allows.
    const withdraw = (owner: string) =>
      db.transaction(
        async (tx) => {
          attempts++;
          const total = (await tx.query<{ total: string }>('SELECT SUM(balance) AS total FROM accounts'))[0]!.total;
          if (++inside === 2) bothInside();
          await Promise.race([barrier, new Promise((r) => setTimeout(r, 500))]);
          if (Number(total) >= 150) await tx.query('UPDATE accounts SET balance = balance - 150 WHERE owner = $1', [owner]);
        },
        { isolation: 'serializable', retries: 3 },
      );
    await Promise.all([withdraw('a'), withdraw('b')]);
    expect(attempts).toBeGreaterThanOrEqual(3); // one of them failed with 40001 and ran again
    const total = (await accounts.getMany()).items.reduce((sum, a) => sum + a.balance, 0);
    expect(total).toBe(50); // serializable: only one withdrawal saw a total that allowed it
  });
});
