import { coreTsup } from '@core/tsup-config';

export default coreTsup({ entry: { index: 'src/index.ts', 'redis/index': 'src/redis/index.ts' } });
