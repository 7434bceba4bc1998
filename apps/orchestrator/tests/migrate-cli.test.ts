import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema } from '@core/testing';
import { runCli, type CliIo } from '../src/cli';
import { MigrationsComponent } from '../src/components/migrations-component';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';
import { Writable } from 'node:stream';
import { serviceWith } from './helpers';

function io(env: NodeJS.ProcessEnv): CliIo & { out: string; err: string } {
  const captured = { env, out: '', err: '', stdout: (t: string) => void (captured.out += t), stderr: (t: string) => void (captured.err += t) };
  return captured;
}

describe('core migrate', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const core = async (...args: string[]) => {
    const session = io(env);
    const code = await runCli(['node', 'core', 'migrate', ...args], session);
    return { code, out: session.out, err: session.err };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-migrate-cli-'));
    env = { CORE_ENV: 'test', DATA_DIR: join(root, 'data'), MIGRATIONS_DIR: join(root, 'migrations') };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('create, up --dry-run, up, status, down on the embedded SQLite database', async () => {
    const created = await core('create', 'add_users');
    expect(created.code).toBe(0);
    const [file] = await readdir(env.MIGRATIONS_DIR!);
    expect(file).toMatch(/^\d{14}_add_users\.sql$/);
    await writeFile(join(env.MIGRATIONS_DIR!, file!), '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n');

    const dry = await core('up', '--dry-run');
    expect(dry.out).toContain('CREATE TABLE users (id INTEGER PRIMARY KEY);');
    expect((await core('status')).out).toMatch(/^pending\s+\d{14}_add_users/m);

    const up = await core('up');
    expect(up).toMatchObject({ code: 0, out: expect.stringContaining('applied 1 migration(s)') });
    expect(up.out).toMatch(/↑ \[1\/1\] \d{14}_add_users/);
    expect((await core('status')).out).toMatch(/^applied\s+\d{14}_add_users/m);
    expect((await core('validate')).code).toBe(0);
    expect((await core('verify')).out).toContain('reversible: 0 migration(s) checked');
    expect((await core('down')).out).toContain('reverted 1 migration(s)');
  });

  it('lint exits non-zero on errors and names the rule', async () => {
    await core('create', 'drop_legacy');
    const [file] = await readdir(env.MIGRATIONS_DIR!);
    await writeFile(join(env.MIGRATIONS_DIR!, file!), '-- migrate:up\nDROP TABLE legacy;\n');
    const lint = await core('lint');
    expect(lint.code).toBe(1);
    expect(lint.out).toContain('ERROR drop-table');
    expect(lint.out).toContain('expand/contract');
  });

  it('reports a changed applied migration with exit status 1', async () => {
    await core('create', 'users');
    const [file] = await readdir(env.MIGRATIONS_DIR!);
    const path = join(env.MIGRATIONS_DIR!, file!);
    await writeFile(path, '-- migrate:up\nCREATE TABLE users (id INTEGER);\n');
    await core('up');
    await writeFile(path, '-- migrate:up\nCREATE TABLE users (id INTEGER, name TEXT);\n');
    const validate = await core('validate');
    expect(validate.code).toBe(1);
    expect(validate.err).toContain('MIGRATE_CHECKSUM_MISMATCH');
    expect(validate.err).toContain(path);
  });

  it('runs against PostgreSQL when the test profile has PG_URL', async () => {
    const scratch = await createPgSchema('cli');
    try {
      env = { ...env, PG_URL: scratch.url };
      await core('create', 'accounts');
      const [file] = await readdir(env.MIGRATIONS_DIR!);
      await writeFile(join(env.MIGRATIONS_DIR!, file!), '-- migrate:up\nCREATE TABLE accounts (id bigint);\n-- migrate:down\nDROP TABLE accounts;\n');
      expect((await core('verify')).out).toContain('reversible: 1 migration(s) checked');
      expect((await core('up')).out).toContain('applied 1 migration(s)');
    } finally {
      await scratch.drop();
    }
  });
});

describe('migrations at start-up', () => {
  const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

  it('applies pending migrations, and fails readiness naming the problem when validation fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'core-migrate-start-'));
    try {
      const env = { CORE_ENV: 'test', DATA_DIR: join(root, 'data'), MIGRATIONS_DIR: join(root, 'migrations') };
      await runCli(['node', 'core', 'migrate', 'create', 'users'], io(env));
      const [file] = await readdir(env.MIGRATIONS_DIR);
      const path = join(env.MIGRATIONS_DIR, file!);
      await writeFile(path, '-- migrate:up\nCREATE TABLE users (id INTEGER);\n');

      const good = new MigrationsComponent(loadConfig(env), quiet);
      await good.start();
      expect(await good.health()).toEqual({ status: 'up' });

      await writeFile(path, '-- migrate:up\nCREATE TABLE users (id INTEGER, edited TEXT);\n');
      const component = new MigrationsComponent(loadConfig(env), quiet);
      const { service } = serviceWith([component]);
      await service.start();
      try {
        const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
        expect(res.status).toBe(503);
        const body = (await res.json()) as { components: Array<{ name: string; status: string; detail: string }> };
        expect(body.components[0]).toMatchObject({ name: 'migrations', status: 'down', detail: expect.stringContaining('MIGRATE_CHECKSUM_MISMATCH') });
      } finally {
        await service.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
