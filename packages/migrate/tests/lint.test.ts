import { lintMigrations, type Migration } from '../src';
import { parseSqlMigration } from '../src/sql-migration';

function migration(source: string, name = '001_change'): Migration {
  const parts = parseSqlMigration(source, `${name}.sql`);
  return { name, path: `/m/${name}.sql`, checksum: 'x', transaction: parts.transaction, up: async () => undefined, down: undefined, sql: parts };
}

const rulesFor = (source: string, dialect: 'postgres' | 'sqlite' = 'postgres') =>
  lintMigrations([migration(source)], { dialect }).map((f) => f.rule);

describe('lint rules: each with a failing and a passing example', () => {
  it.each([
    ['drop-table', 'DROP TABLE users;', 'CREATE TABLE users (id int);'],
    ['drop-column', 'ALTER TABLE users DROP COLUMN email;', 'ALTER TABLE users DROP CONSTRAINT users_email_key;'],
    ['type-narrowing', 'ALTER TABLE users ALTER COLUMN name TYPE varchar(20);', 'ALTER TABLE users ALTER COLUMN name TYPE text;'],
    ['not-null-without-default', 'ALTER TABLE users ADD COLUMN plan text NOT NULL;', "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';"],
    ['index-not-concurrent', 'CREATE INDEX users_email ON users (email);', '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);'],
    ['concurrently-in-transaction', 'CREATE INDEX CONCURRENTLY users_email ON users (email);', '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);'],
    ['rename', 'ALTER TABLE users RENAME COLUMN email TO mail;', 'ALTER TABLE users ADD COLUMN mail text;'],
  ])('%s', (rule, failing, passing) => {
    const wrap = (body: string) => (body.startsWith('-- migrate:no-transaction') ? body.replace('\n', '\n-- migrate:up\n') : `-- migrate:up\n${body}`);
    expect(rulesFor(wrap(failing))).toContain(rule);
    expect(rulesFor(wrap(passing))).not.toContain(rule);
  });

  it('reports the rule id, severity, statement, why and the expand/contract alternative', () => {
    const [finding] = lintMigrations([migration('-- migrate:up\nALTER TABLE users RENAME TO people;')], { dialect: 'postgres' });
    expect(finding).toEqual({
      migration: '001_change',
      file: '/m/001_change.sql',
      rule: 'rename',
      severity: 'error',
      statement: 'ALTER TABLE users RENAME TO people',
      message: expect.stringContaining('breaks every running instance'),
      suggestion: expect.stringContaining('expand/contract'),
    });
  });

  it('severity is configurable, and a migration can disable a rule for itself', () => {
    const m = migration('-- migrate:up\nDROP TABLE legacy;\nCREATE INDEX a ON t (x);');
    expect(lintMigrations([m], { dialect: 'postgres', rules: { 'drop-table': 'warn', 'index-not-concurrent': 'off' } })).toEqual([
      expect.objectContaining({ rule: 'drop-table', severity: 'warn' }),
    ]);
    const reviewed = migration('-- migrate:up\n-- lint:disable drop-table\nDROP TABLE legacy;');
    expect(lintMigrations([reviewed], { dialect: 'postgres' })).toEqual([]);
    expect(() => lintMigrations([m], { dialect: 'postgres', rules: { 'no-such-rule': 'off' } })).toThrow(/unknown lint rule/);
  });

  it('PostgreSQL-only rules stay quiet on SQLite, and literals do not trigger rules', () => {
    expect(rulesFor('-- migrate:up\nCREATE INDEX users_email ON users (email);', 'sqlite')).toEqual([]);
    expect(rulesFor("-- migrate:up\nINSERT INTO notes VALUES ('DROP TABLE users');")).toEqual([]);
  });
});
