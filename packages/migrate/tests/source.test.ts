import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMigrationError, createMigration, loadMigrations, parseSqlMigration, splitStatements, versionFor } from '../src';
import { migrationsDir } from './helpers';

describe('SQL migration files', () => {
  it('parses up, down and the no-transaction directive', () => {
    expect(parseSqlMigration('-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n', 'f.sql')).toEqual({
      up: 'CREATE TABLE t (id int);',
      down: 'DROP TABLE t;',
      transaction: true,
    });
    expect(parseSqlMigration('-- migrate:no-transaction\n-- migrate:up\nSELECT 1;', 'f.sql')).toEqual({ up: 'SELECT 1;', down: undefined, transaction: false });
  });

  it.each([
    ['no up section', 'CREATE TABLE t (id int);', /no "-- migrate:up" line/],
    ['an empty up section', '-- migrate:up\n-- nothing\n-- migrate:down\nSELECT 1;', /up section is empty/],
    ['down before up', '-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (id int);', /comes before/],
  ])('rejects %s naming the file', (_name, source, message) => {
    expect(() => parseSqlMigration(source, 'bad.sql')).toThrow(InvalidMigrationError);
    expect(() => parseSqlMigration(source, 'bad.sql')).toThrow(message);
  });

  it('splits statements at top-level semicolons only', () => {
    expect(
      splitStatements(`INSERT INTO t VALUES ('a;b'); -- c;d
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
/* x; y */ SELECT "we;ird" FROM t;`),
    ).toEqual([
      "INSERT INTO t VALUES ('a;b')",
      '-- c;d\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql',
      '/* x; y */ SELECT "we;ird" FROM t',
    ]);
  });

  it('loads files in name order and rejects badly named or duplicate migrations', async () => {
    const dir = await migrationsDir();
    try {
      await dir.write('002_b.sql', '-- migrate:up\nSELECT 2;');
      await dir.write('001_a.sql', '-- migrate:up\nSELECT 1;');
      await dir.write('notes.txt', 'ignored');
      expect((await loadMigrations(dir.path)).map((m) => m.name)).toEqual(['001_a', '002_b']);
      await dir.write('002_b.ts', 'export const up = async () => {};');
      await expect(loadMigrations(dir.path)).rejects.toThrow(/two migrations are named 002_b/);
      await rm(join(dir.path, '002_b.ts'));
      await dir.write('add_users.sql', '-- migrate:up\nSELECT 1;');
      await expect(loadMigrations(dir.path)).rejects.toThrow(/numeric version/);
    } finally {
      await dir.remove();
    }
  });
});

describe('createMigration', () => {
  it('writes a timestamped file from the template', async () => {
    const dir = await migrationsDir();
    try {
      const now = new Date('2026-11-23T15:04:05Z');
      const path = await createMigration(dir.path, 'add_user_email', { now });
      expect(path).toBe(join(dir.path, '20261123150405_add_user_email.sql'));
      expect(versionFor(now)).toBe('20261123150405');
      // The template's up section is empty until someone writes it: it still loads (status lists it),
      // marked empty, and running it is refused (see the SQLite migrator test).
      expect((await loadMigrations(dir.path)).map((m) => [m.name, m.empty])).toEqual([['20261123150405_add_user_email', true]]);
      // A second one in the same second takes the next version instead of sharing it.
      const ts = await createMigration(dir.path, 'seed_plans', { now, format: 'ts' });
      expect(ts.endsWith('20261123150406_seed_plans.ts')).toBe(true);
    } finally {
      await dir.remove();
    }
  });

  it.each([
    ['a bad name', 'Add Users!', {}, /lowercase letters, digits and underscores/],
    ['a name that sorts before an applied migration', 'late', { applied: ['20991231000000_future'] }, /would sort before the applied migration/],
  ])('refuses %s', async (_what, name, options, message) => {
    const dir = await migrationsDir();
    try {
      await expect(createMigration(dir.path, name, options)).rejects.toThrow(message);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a name that exists already', async () => {
    const dir = await migrationsDir();
    try {
      await dir.write('001_users.sql', '-- migrate:up\nSELECT 1;');
      await expect(createMigration(dir.path, 'users')).rejects.toThrow(/exists already/);
    } finally {
      await dir.remove();
    }
  });
});

describe('migration versions', () => {
  it('sort by number, not as strings, and a version may be used once', async () => {
    const { loadMigrations } = await import('../src/migration-source');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'core-versions-'));
    try {
      for (const name of ['10_ten', '9_nine', '100_hundred']) await writeFile(join(dir, `${name}.sql`), '-- migrate:up\nSELECT 1;\n');
      expect((await loadMigrations(dir)).map((m) => m.name)).toEqual(['9_nine', '10_ten', '100_hundred']);
      await writeFile(join(dir, '009_again.sql'), '-- migrate:up\nSELECT 1;\n');
      await expect(loadMigrations(dir)).rejects.toThrow(/same version/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
