import { coreTsup } from '@core/tsup-config';

export default coreTsup({ entry: { index: 'src/index.ts', 'local/index': 'src/local/index.ts', 's3/index': 'src/s3/index.ts', 'azure/index': 'src/azure/index.ts' } });
