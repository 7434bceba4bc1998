import { coreTsup } from '@core/tsup-config';

export default coreTsup({
  entry: {
    index: 'src/index.ts',
    'embedded/index': 'src/embedded/index.ts',
    'pinecone/index': 'src/pinecone/index.ts',
  },
  // ml-kmeans and its ml-* helpers ship ES modules only.
  bundle: [/^ml-/, 'is-any-array'],
});
