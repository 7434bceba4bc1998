import type { BackupSource } from '@core/backup';
import { FolderSource } from '@core/backup';
import { PostgresSource } from '@core/backup/postgres';
import { RedisSource } from '@core/backup/redis';
import { SqliteSource } from '@core/backup/sqlite';
import { VectorCollectionSource } from '@core/backup/vector';
import type { VectorStore } from '@core/vector';
import type { Config } from './config/config';
import { vectorsFor } from './vectors-for';

/** The kinds of source `core backup run` knows. */
export const SOURCE_KINDS = ['folder', 'sqlite', 'postgres', 'redis', 'vector'] as const;

/** A source kind. */
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** A source and what must be closed after the run. */
export interface ResolvedSource {
  source: BackupSource;
  close(): Promise<void>;
}

/**
 * Resolves `core backup run <kind> [target]`: a folder path, a SQLite file (default: the profile's
 * database), a PostgreSQL or Redis URL (default: the profile's), or a vector collection name.
 */
export async function sourceFor(config: Config, kind: SourceKind, target: string | undefined, options: { include?: string[]; exclude?: string[] } = {}): Promise<ResolvedSource> {
  const none = () => Promise.resolve();
  switch (kind) {
    case 'folder':
      if (!target) throw new Error('folder backups need a path: core backup run folder <path>');
      return { source: new FolderSource(target, options), close: none };
    case 'sqlite': {
      const file = target ?? (config.database.kind === 'sqlite' ? config.database.file : undefined);
      if (!file) throw new Error('the profile has no SQLite database: give a file, core backup run sqlite <file>');
      return { source: new SqliteSource(file), close: none };
    }
    case 'postgres': {
      const url = target ?? (config.database.kind === 'postgres' ? config.database.url : undefined);
      if (!url) throw new Error('the profile has no PostgreSQL database: give a URL, core backup run postgres <url>');
      return { source: new PostgresSource({ url }), close: none };
    }
    case 'redis': {
      const url = target ?? (config.cache.kind === 'tiered' ? config.cache.redisUrl : undefined);
      if (!url) throw new Error('the profile has no Redis: give a URL, core backup run redis <url>');
      return { source: new RedisSource({ url }), close: none };
    }
    case 'vector': {
      if (!target) throw new Error('vector backups need a collection name: core backup run vector <collection>');
      const store: VectorStore = vectorsFor(config.vectors, { sweep: false, readOnly: true });
      const collection = await store.collection(target);
      return { source: new VectorCollectionSource(collection, `${config.vectors.kind}/${target}`), close: () => store.close() };
    }
  }
}
