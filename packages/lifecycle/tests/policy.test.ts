import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidPolicyError, Lifecycle, parsePolicies, parsePolicy, UnknownIdentifierError } from '../src';
import type { LifecycleDatabase } from '../src';
import { cutoffOf, parseAge } from '../src/age';
import { sqliteDatabase } from '../src/sqlite';

const valid = { name: 'audit', table: 'audit_logs', timestampColumn: 'created_at', olderThan: '90d', action: 'delete' };

function problemsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parsePolicies(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPolicyError);
    expect((error as InvalidPolicyError).code).toBe('LIFECYCLE_INVALID_POLICY');
    return (error as InvalidPolicyError).problems;
  }
  throw new Error('expected the policies to be refused');
}

describe('ages', () => {
  test.each([
    ['90d', 90 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['2w', 14 * 86_400_000],
    ['P90D', 90 * 86_400_000],
    ['PT36H', 36 * 3_600_000],
    ['P1DT12H30M', 86_400_000 + 12.5 * 3_600_000],
  ])('%s is %d ms', (text, ms) => expect(parseAge(text)).toMatchObject({ years: 0, months: 0, ms }));
  test.each(['90', 'd90', 'P', 'PT', '-5d', '1.5d', 'P1H', '90 days'])('%s is not an age', (text) => expect(parseAge(text)).toBeUndefined());
  test('months and years count on the UTC calendar', () => {
    expect(cutoffOf(parseAge('P1M')!, new Date('2026-03-31T10:00:00Z')).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(cutoffOf(parseAge('P1Y')!, new Date('2028-02-29T00:00:00Z')).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(cutoffOf(parseAge('P1Y6M')!, new Date('2026-12-02T00:00:00Z')).toISOString()).toBe('2025-06-02T00:00:00.000Z');
  });
});

describe('policies', () => {
  test('a valid policy gets its defaults', () => {
    expect(parsePolicy(valid)).toEqual({ ...valid, kind: 'table' });
  });

  test('each bad field is named by its path', () => {
    expect(
      problemsOf([
        valid,
        { ...valid, name: 'b', olderThan: 'ninety days' },
        { ...valid, name: 'c', action: 'truncate' },
        { ...valid, name: 'd', batch: { initial: 10, min: 100 } },
        { ...valid, name: 'e', where: [{ column: 'kind', op: 'like', value: '%' }] },
        { name: 'f', kind: 'objects', prefix: 'logs/' },
        { ...valid, name: 'g', extra: 1 },
      ]).map((p) => p.path),
    ).toEqual(['policies[1].olderThan', 'policies[2].action', 'policies[4].where[0].op', 'policies[5].expireAfter', 'policies[6]']);
    expect(problemsOf([valid, { ...valid, name: 'd', batch: { initial: 10, min: 100 } }])).toEqual([{ path: 'policies[1].batch.initial', message: 'must lie between batch.min and batch.max' }]);
    expect(problemsOf([valid, valid])).toEqual([{ path: 'policies[1].name', message: '"audit" is already the name of policies[0]' }]);
  });

  test.each([
    ['table', 'audit_logs; DROP TABLE users'],
    ['table', 'audit_logs"--'],
    ['table', 'a.b.c'],
    ['timestampColumn', 'created_at) OR (1=1'],
    ['timestampColumn', "created_at' --"],
  ])('an injection attempt in %s is refused by the schema: %s', (field, value) => {
    const [problem] = problemsOf([{ ...valid, [field]: value }]);
    expect(problem!.path).toBe(`policies[0].${field}`);
  });

  test('a where column with SQL in it is refused by the schema', () => {
    const [problem] = problemsOf([{ ...valid, where: [{ column: '1=1 OR kind', op: 'eq', value: 'x' }] }]);
    expect(problem!.path).toBe('policies[0].where[0].column');
  });
});

describe('against a real database, nothing runs before the catalog check passes', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifecycle-policy-'));
    file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE audit_logs (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, kind TEXT); CREATE INDEX audit_at ON audit_logs (created_at)`);
    db.prepare(`INSERT INTO audit_logs (created_at, kind) VALUES (?, 'x')`).run('2020-01-01T00:00:00.000Z');
    db.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The real SQLite database, recording every statement it is asked to run. */
  function recording(): { db: LifecycleDatabase; statements: string[] } {
    const real = sqliteDatabase({ database: file });
    const statements: string[] = [];
    const db: LifecycleDatabase = {
      dialect: real.dialect,
      placeholder: (i) => real.placeholder(i),
      rowJson: (a, c) => real.rowJson(a, c),
      exact: (c) => real.exact(c),
      describe: (t) => real.describe(t),
      plannedIndex: (s, p, o) => real.plannedIndex(s, p, o),
      failureOf: (e) => real.failureOf(e),
      close: () => real.close(),
      transaction: (o, fn) => real.transaction(o, (tx) => fn({ query: (sql, params) => (statements.push(sql), tx.query(sql, params)) })),
    };
    return { db, statements };
  }

  test.each([
    [{ ...valid, table: 'no_such_table' }, /table "no_such_table" does not exist/],
    [{ ...valid, timestampColumn: 'deleted_at' }, /timestampColumn "deleted_at" is not a column of audit_logs/],
    [{ ...valid, where: [{ column: 'tenant', op: 'eq', value: 1 }] }, /where column "tenant"/],
    [{ ...valid, key: ['uuid'] }, /key column "uuid"/],
  ])('unknown identifiers are refused before any statement: %#', async (policy, message) => {
    const { db, statements } = recording();
    const lifecycle = new Lifecycle({ database: db, policies: [policy] });
    const error = await lifecycle.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownIdentifierError);
    expect((error as Error).message).toMatch(message);
    expect(statements).toEqual([]);
    await lifecycle.close();
  });

  test('a filter value that is SQL stays a value: it matches nothing and deletes nothing', async () => {
    const { db, statements } = recording();
    const lifecycle = new Lifecycle({ database: db, policies: [{ ...valid, where: [{ column: 'kind', op: 'eq', value: "x' OR '1'='1" }] }] });
    const [result] = await lifecycle.run();
    expect(result).toMatchObject({ rowsDeleted: 0 });
    expect(statements.join('\n')).not.toContain("OR '1'='1");
    await lifecycle.close();
    const check = new Database(file);
    expect(check.prepare(`SELECT count(*) AS n FROM audit_logs`).get()).toEqual({ n: 1 });
    check.close();
  });

  test('a table policy without a database, or objects without a store, is refused at construction', () => {
    expect(() => new Lifecycle({ policies: [valid] })).toThrow(InvalidPolicyError);
    expect(() => new Lifecycle({ policies: [{ name: 'o', kind: 'objects', prefix: 'x/', expireAfter: '1d' }] })).toThrow(/object policies need the store/);
    expect(() => new Lifecycle({ database: sqliteDatabase({ database: file }), ledgerPrefix: 'x; drop', policies: [] })).toThrow(/ledgerPrefix/);
  });
});
