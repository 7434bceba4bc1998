import { settleWithin, startFaultProxy, watchProcessFaults, type FaultProxyHandle } from '@core/testing';
import { PineconeVectorStore } from '../src/pinecone';
import { startPineconeStandIn, type PineconeStandIn } from './pinecone-stand-in';

// The Pinecone backend against the local STAND-IN (no Pinecone service can run here) behind the fault
// proxy: every call settles with a typed error, nothing is uncaught, the first call after the fault works.
const BOUND_MS = 20_000;

describe('Pinecone backend through a faulty network (local stand-in)', () => {
  let standIn: PineconeStandIn;
  let proxy: FaultProxyHandle;
  let store: PineconeVectorStore;
  let watch: ReturnType<typeof watchProcessFaults>;

  beforeAll(async () => {
    standIn = await startPineconeStandIn(4, 'cosine');
    proxy = await startFaultProxy({ port: Number(new URL(standIn.host).port) });
    store = new PineconeVectorStore({ apiKey: 'stand-in', host: `http://127.0.0.1:${proxy.port}`, metric: 'cosine', timeoutMs: 500, retry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 2 } });
    const c = await store.createCollection({ name: 'faults', dimension: 4 });
    await c.upsert([{ id: 'a', vector: [1, 0, 0, 0] }]);
  });
  beforeEach(() => (watch = watchProcessFaults()));
  afterEach(async () => {
    await proxy.clear();
    expect(watch.stop()).toEqual([]);
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.stop();
    await standIn?.stop();
  });

  it.each([
    ['stall', (p: FaultProxyHandle) => p.stall()],
    ['reset', (p: FaultProxyHandle) => p.reset()],
    ['refused', (p: FaultProxyHandle) => p.refuse()],
  ])('%s: every call settles with BackendUnavailableError, then service resumes', async (name, fault) => {
    const c = await store.collection('faults');
    await fault(proxy);
    const report = await settleWithin(
      [
        () => c.upsert([{ id: 'b', vector: [0, 1, 0, 0] }]),
        () => c.query({ vector: [1, 0, 0, 0], topK: 1 }),
        () => c.get(['a']),
        () => c.delete(['zzz']),
        () => store.listCollections(),
      ],
      BOUND_MS,
    );
    console.log(`pinecone ${name}`, report);
    expect(report.pending).toBe(0);
    expect(report.resolved).toBe(0);
    expect(Object.keys(report.errors)).toEqual(['BackendUnavailableError:VECTOR_UNAVAILABLE']);
    await proxy.clear();
    expect((await c.query({ vector: [1, 0, 0, 0], topK: 1 }))[0]!.id).toBe('a');
  });
});
