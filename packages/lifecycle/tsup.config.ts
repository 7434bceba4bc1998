import { coreTsup } from '@core/tsup-config';

export default coreTsup({
  entry: {
    index: 'src/index.ts',
    'postgres/index': 'src/postgres/index.ts',
    'sqlite/index': 'src/sqlite/index.ts',
  },
  external: ['better-sqlite3', 'pg'],
});
