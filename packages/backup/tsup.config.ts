import { coreTsup } from '@core/tsup-config';

export default coreTsup({
  entry: {
    index: 'src/index.ts',
    'sqlite/index': 'src/sources/sqlite/index.ts',
    'postgres/index': 'src/sources/postgres/index.ts',
    'redis/index': 'src/sources/redis/index.ts',
    'mongodb/index': 'src/sources/mongodb/index.ts',
    'vector/index': 'src/sources/vector/index.ts',
  },
  external: ['better-sqlite3', 'mongodb', 'zstd-napi'],
});
