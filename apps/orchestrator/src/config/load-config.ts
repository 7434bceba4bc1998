import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors';
import type { Config, StorageConfig, VectorConfig } from './config';
import { loadConfigFile } from './config-file';
import { envSchema, type Env } from './env-schema';

/** Empty variables (common in .env files) count as unset. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1] && e[1].trim() !== ''));
}

function required<K extends keyof Env>(env: Env, key: K, form: string, problems: ConfigProblem[]): NonNullable<Env[K]> {
  const value = env[key];
  if (value === undefined) problems.push({ variable: key, message: `is required in ${env.CORE_ENV}; expected ${form}` });
  return value as NonNullable<Env[K]>;
}

function storageFor(env: Env, localRoot: string, problems: ConfigProblem[]): StorageConfig {
  if (!env.S3_BUCKET) return { kind: 'local', root: localRoot };
  const region = required(env, 'AWS_REGION', 'an AWS region like eu-west-1 (S3_BUCKET is set)', problems);
  return { kind: 's3', bucket: env.S3_BUCKET, region, endpoint: env.S3_ENDPOINT };
}

function vectorsFor(env: Env, localDir: string, problems: ConfigProblem[]): VectorConfig {
  if (!env.PINECONE_API_KEY) return { kind: 'embedded', dir: localDir };
  const index = required(env, 'PINECONE_INDEX', 'a Pinecone index name (PINECONE_API_KEY is set)', problems);
  return { kind: 'pinecone', apiKey: env.PINECONE_API_KEY, index };
}

/**
 * Validates the environment and resolves the configuration of the profile `CORE_ENV` names.
 * Throws `ConfigError` listing every bad or missing variable; values never appear in it.
 */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmpty(rawEnv));
  const profileGuess = rawEnv.CORE_ENV || 'development';
  if (!parsed.success) {
    throw new ConfigError(
      profileGuess,
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const env = parsed.data;
  const problems: ConfigProblem[] = [];
  const shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
  const migrations = { dir: resolve(env.MIGRATIONS_DIR ?? './migrations'), onStart: env.MIGRATE_ON_START ?? true };
  let config: Config;

  const file = loadConfigFile(env.CORE_CONFIG, env.CORE_ENV, rawEnv);
  if (env.CORE_ENV === 'production') {
    const url = required(env, 'DATABASE_URL', 'a PostgreSQL URL like postgres://user:password@host:5432/database', problems);
    const redisUrl = required(env, 'REDIS_URL', 'a Redis URL like redis://:password@host:6379', problems);
    const dataDir = resolve(env.DATA_DIR ?? './.data');
    config = {
      profile: 'production',
      server: { host: env.HOST ?? '0.0.0.0', port: env.PORT ?? 8080, shutdownTimeoutMs },
      log: { level: env.LOG_LEVEL },
      dataDir,
      database: {
        kind: 'postgres',
        url,
        replicaUrls: env.DATABASE_REPLICA_URLS?.split(',').map((u) => u.trim()) ?? [],
      },
      migrations,
      cache: { kind: 'tiered', redisUrl },
      storage: storageFor(env, join(dataDir, 'storage'), problems),
      vectors: vectorsFor(env, join(dataDir, 'vectors'), problems),
      backups: { dir: join(dataDir, 'backups'), passphrase: env.BACKUP_PASSPHRASE },
      jobs: { leaseMs: env.JOB_LEASE_MS },
      dashboard: { token: env.DASHBOARD_TOKEN },
      alerts: { webhookUrl: env.ALERT_WEBHOOK_URL },
      file,
      lifecycle: { archivePassphrase: file.lifecycle?.archive?.passphraseFrom ? rawEnv[file.lifecycle.archive.passphraseFrom] : undefined },
    };
  } else {
    // development keeps its data under ./.data; test uses a per-process temp dir unless DATA_DIR says otherwise.
    const dataDir = resolve(
      env.DATA_DIR ?? (env.CORE_ENV === 'test' ? join(tmpdir(), `core-test-${process.pid}`) : './.data'),
    );
    config = {
      profile: env.CORE_ENV,
      server: { host: env.HOST ?? '127.0.0.1', port: env.PORT ?? 8080, shutdownTimeoutMs },
      log: { level: env.LOG_LEVEL },
      dataDir,
      database:
        env.CORE_ENV === 'test' && env.PG_URL
          ? { kind: 'postgres', url: env.PG_URL, replicaUrls: [] }
          : { kind: 'sqlite', file: join(dataDir, 'core.sqlite') },
      migrations,
      cache: { kind: 'memory' },
      storage: { kind: 'local', root: join(dataDir, 'storage') },
      vectors: { kind: 'embedded', dir: join(dataDir, 'vectors') },
      backups: { dir: join(dataDir, 'backups'), passphrase: env.BACKUP_PASSPHRASE },
      jobs: { leaseMs: env.JOB_LEASE_MS },
      dashboard: { token: env.DASHBOARD_TOKEN },
      alerts: { webhookUrl: env.ALERT_WEBHOOK_URL },
      file,
      lifecycle: { archivePassphrase: file.lifecycle?.archive?.passphraseFrom ? rawEnv[file.lifecycle.archive.passphraseFrom] : undefined },
    };
  }
  if (problems.length > 0) throw new ConfigError(env.CORE_ENV, problems);
  return config;
}
