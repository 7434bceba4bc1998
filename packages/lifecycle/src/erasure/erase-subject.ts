import { createHash, randomUUID } from 'node:crypto';
import type { RunContext } from '../context';
import { batchDeadlines } from '../context';
import { quoteIdent, quoteTable } from '../database/database';
import { UnknownIdentifierError } from '../errors';
import type { ErasureMap } from '../policy/policy-schema';
import { withLockRetry } from '../retry';

/** What an erasure deleted (or, dry, would delete); it names the subject only by a hash. */
export interface ErasureReceipt {
  id: string;
  /** SHA-256 of the subject id: the receipt proves the request was carried out without holding the id. */
  subjectSha256: string;
  at: string;
  dryRun: boolean;
  tables: Array<{ table: string; column: string; rows: number }>;
  total: number;
}

/**
 * Deletes every row of the subject from every mapped table in one transaction (all or nothing; tables
 * in the order given, so list referencing tables first) and keeps the receipt in the ledger.
 * Archives written earlier are not rewritten: expire them with an object policy or restore-and-erase.
 */
export async function eraseSubject(ctx: RunContext, map: ErasureMap, subject: string | number, dryRun = false): Promise<ErasureReceipt> {
  const { db } = ctx;
  const columns: string[] = [];
  for (const entry of map.tables) {
    const table = await db.describe(entry.table);
    if (!table) throw new UnknownIdentifierError('erasure', entry.table, `table "${entry.table}" does not exist`);
    const column = table.columns.find((c) => c.name === entry.column);
    if (!column) throw new UnknownIdentifierError('erasure', entry.column, `"${entry.column}" is not a column of ${entry.table}`);
    columns.push(column.type);
  }
  await ctx.ledger.ensure();
  const receipt: ErasureReceipt = { id: randomUUID(), subjectSha256: createHash('sha256').update(String(subject)).digest('hex'), at: new Date().toISOString(), dryRun, tables: [], total: 0 };
  await withLockRetry(ctx, 'erasure', 100, () => undefined, () =>
    db.transaction(batchDeadlines(ctx.limits), async (tx) => {
      receipt.tables = [];
      for (const [i, entry] of map.tables.entries()) {
        const where = `${quoteIdent(entry.column)} = ${db.placeholder(1, db.dialect === 'postgres' ? columns[i] : undefined)}`;
        const rows = dryRun
          ? Number((await tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${quoteTable(entry.table)} WHERE ${where}`, [subject]))[0]?.n ?? 0)
          : (await tx.query(`DELETE FROM ${quoteTable(entry.table)} WHERE ${where} RETURNING 1 AS gone`, [subject])).length;
        receipt.tables.push({ table: entry.table, column: entry.column, rows });
      }
      receipt.total = receipt.tables.reduce((n, t) => n + t.rows, 0);
      if (!dryRun) {
        await tx.query(`CREATE TABLE IF NOT EXISTS ${ctx.ledger.erasures} (id TEXT PRIMARY KEY, subject_sha256 TEXT NOT NULL, at TEXT NOT NULL, receipt TEXT NOT NULL)`);
        await tx.query(`INSERT INTO ${ctx.ledger.erasures} (id, subject_sha256, at, receipt) VALUES (${db.placeholder(1)}, ${db.placeholder(2)}, ${db.placeholder(3)}, ${db.placeholder(4)})`, [receipt.id, receipt.subjectSha256, receipt.at, JSON.stringify(receipt)]);
      }
    }),
  );
  return receipt;
}
