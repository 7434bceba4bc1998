import type { ConfigFile } from './config-file';
import type { Profile } from './env-schema';

/** Where the database lives. */
export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; replicaUrls: string[] };

/** Which cache tiers run. */
export type CacheConfig = { kind: 'memory' } | { kind: 'tiered'; redisUrl: string };

/** Where objects are stored. */
export type StorageConfig =
  | { kind: 'local'; root: string }
  | { kind: 's3'; bucket: string; region: string; endpoint: string | undefined };

/** Which vector backend runs. */
export type VectorConfig = { kind: 'embedded'; dir: string } | { kind: 'pinecone'; apiKey: string; index: string };

/** The resolved configuration for one profile. */
export interface Config {
  profile: Profile;
  server: { host: string; port: number; shutdownTimeoutMs: number };
  log: { level: string };
  dataDir: string;
  database: DatabaseConfig;
  migrations: { dir: string; onStart: boolean };
  cache: CacheConfig;
  storage: StorageConfig;
  vectors: VectorConfig;
  backups: { dir: string; passphrase: string | undefined };
  /** Lease of a running job (renewed every third of it): how soon another replica takes over a dead one's run. */
  jobs: { leaseMs: number };
  /** The dashboard's access token (required outside development and test). */
  dashboard: { token: string | undefined };
  /** Where firing and resolved alerts are POSTed (none: the log only). */
  alerts: { webhookUrl: string | undefined };
  /** The lifecycle archives' passphrase, read from the variable `lifecycle.archive.passphraseFrom` names. */
  lifecycle: { archivePassphrase: string | undefined };
  /** Schedules and policies from `CORE_CONFIG` (built-in defaults without one). */
  file: ConfigFile;
}
