import { coreTsup } from '@core/tsup-config';

export default coreTsup({
  entry: {
    index: 'src/index.ts',
    'postgres/index': 'src/postgres/index.ts',
  },
});
