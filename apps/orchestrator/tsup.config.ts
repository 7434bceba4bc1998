import { coreTsup } from '@core/tsup-config';

export default coreTsup({ entry: { main: 'src/main.ts' }, app: true });
