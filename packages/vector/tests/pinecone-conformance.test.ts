import { PineconeVectorStore } from '../src/pinecone';
import { vectorConformance } from './conformance';
import { startPineconeStandIn } from './pinecone-stand-in';

// Against the local Pinecone STAND-IN (tests/pinecone-stand-in.ts): one stand-in index per test,
// because a Pinecone index fixes dimension and metric.
vectorConformance('Pinecone store (against the local stand-in of the data plane)', async (metric, dimension) => {
  const standIn = await startPineconeStandIn(dimension, metric === 'dot' ? 'dotproduct' : metric);
  const store = new PineconeVectorStore({ apiKey: 'stand-in', host: standIn.host, metric, retry: { initialDelayMs: 5 } });
  return { store, dispose: () => standIn.stop() };
});
