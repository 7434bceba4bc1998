import { loadConfig } from '../src/config/load-config';
import { ConfigError } from '../src/errors';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to the development profile with embedded parts only', () => {
    const config = loadConfig({});
    expect(config.profile).toBe('development');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, shutdownTimeoutMs: 10_000 });
    expect(config.database).toMatchObject({ kind: 'sqlite' });
    expect(config.database.kind === 'sqlite' && config.database.file).toMatch(/\.data[/\\]core\.sqlite$/);
    expect(config.cache).toEqual({ kind: 'memory' });
    expect(config.storage.kind).toBe('local');
    expect(config.vectors.kind).toBe('embedded');
  });

  it('production without DATABASE_URL names the variable and the expected form', () => {
    const error = configError({ CORE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.problems).toEqual([
      { variable: 'DATABASE_URL', message: expect.stringContaining('postgres://user:password@host:5432/database') },
    ]);
    expect(error.message).toContain('DATABASE_URL: is required in production');
  });

  it('production resolves PostgreSQL with replicas and memory + Redis cache', () => {
    const config = loadConfig({
      CORE_ENV: 'production',
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      DATABASE_REPLICA_URLS: 'postgres://app:pw@r1:5432/app, postgres://app:pw@r2:5432/app',
      REDIS_URL: 'redis://cache:6379',
      S3_BUCKET: 'core-objects',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://app:pw@db:5432/app',
      replicaUrls: ['postgres://app:pw@r1:5432/app', 'postgres://app:pw@r2:5432/app'],
    });
    expect(config.cache).toEqual({ kind: 'tiered', redisUrl: 'redis://cache:6379' });
    expect(config.storage).toEqual({ kind: 's3', bucket: 'core-objects', region: 'eu-west-1', endpoint: undefined });
  });

  it('reports every malformed variable at once', () => {
    const error = configError({ CORE_ENV: 'test', PORT: '99999', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: '-5' });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PORT', 'SHUTDOWN_TIMEOUT_MS']);
    expect(error.message).toMatch(/PORT: expected a TCP port: an integer from 0 to 65535/);
  });

  it('rejects an unknown profile', () => {
    expect(configError({ CORE_ENV: 'staging' }).problems).toEqual([
      { variable: 'CORE_ENV', message: 'expected one of development, test, production' },
    ]);
  });

  it('never repeats a secret from a malformed value in its message', () => {
    const error = configError({
      CORE_ENV: 'production',
      DATABASE_URL: 'mysql://app:hunter2-secret@db/app',
      REDIS_URL: 'http://:redis-secret@cache',
      BACKUP_PASSPHRASE: 'short-pass',
    });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['BACKUP_PASSPHRASE', 'DATABASE_URL', 'REDIS_URL']);
    expect(error.message).not.toMatch(/hunter2|redis-secret|short-pass/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', CORE_ENV: '' }).server.port).toBe(8080);
  });

  it('test profile uses PG_URL when given, a temp data dir otherwise', () => {
    expect(loadConfig({ CORE_ENV: 'test', PG_URL: 'postgres://postgres@127.0.0.1:5432/test' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/test',
      replicaUrls: [],
    });
    const config = loadConfig({ CORE_ENV: 'test' });
    expect(config.database.kind).toBe('sqlite');
    expect(config.dataDir).toContain('core-test-');
  });
});
