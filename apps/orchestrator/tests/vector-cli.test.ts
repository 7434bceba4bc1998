import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedVectorStore } from '@core/vector/embedded';
import { runCli, type CliIo } from '../src/cli';
import { VectorComponent } from '../src/components/vector-component';
import { createLogger } from '../src/logger';

describe('core vector (development: embedded index under DATA_DIR/vectors)', () => {
  let root: string;
  const core = async (...args: string[]) => {
    const session: CliIo & { out: string; err: string } = {
      env: { CORE_ENV: 'test', DATA_DIR: root },
      out: '',
      err: '',
      stdout: (t) => void (session.out += t),
      stderr: (t) => void (session.err += t),
    };
    const code = await runCli(['node', 'core', 'vector', ...args], session);
    return { code, out: session.out, err: session.err };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-vector-cli-'));
    const store = new EmbeddedVectorStore({ dir: join(root, 'vectors'), sweepIntervalMs: 0 });
    const alerts = await store.createCollection({ name: 'alerts', dimension: 3, metric: 'cosine' });
    await alerts.upsert([
      { id: 'cpu', vector: [1, 0, 0], metadata: { kind: 'cpu' } },
      { id: 'disk', vector: [0, 1, 0], metadata: { kind: 'disk' } },
      { id: 'net', vector: [0.9, 0.1, 0], metadata: { kind: 'net' } },
    ]);
    await store.close();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('says so when there is nothing to list, and reads beside a running writer without touching its files', async () => {
    await rm(join(root, 'vectors'), { recursive: true, force: true });
    expect(await core('ls')).toMatchObject({ code: 0, out: 'no collections\n' });
    const writer = new EmbeddedVectorStore({ dir: join(root, 'vectors'), sweepIntervalMs: 0 });
    await writer.createCollection({ name: 'live', dimension: 2 });
    expect(await core('ls')).toMatchObject({ code: 0, out: 'live\t0 records\t2-d cosine\n' }); // read-only: the writer's lock is not in the way
    await writer.close();
  });

  it('lists, describes and queries collections', async () => {
    expect(await core('ls')).toMatchObject({ code: 0, out: 'alerts\t3 records\t3-d cosine\n' });
    const described = await core('describe', 'alerts');
    expect(JSON.parse(described.out)).toMatchObject({ name: 'alerts', count: 3, dimension: 3, metric: 'cosine' });

    const byVector = await core('query', 'alerts', '--vector', '[1, 0, 0]', '--top-k', '2');
    expect(byVector.out.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['cpu', 'net']);
    const filtered = await core('query', 'alerts', '--id', 'cpu', '--filter', '{"kind":{"$ne":"cpu"}}', '--min-score', '0.5');
    expect(filtered.out.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['net']);
    const file = join(root, 'q.json');
    await writeFile(file, '[0, 1, 0]');
    expect(JSON.parse((await core('query', 'alerts', '--vector-file', file, '-k', '1')).out).id).toBe('disk');
  });

  it('reports bad input with a clear message and exit status 1', async () => {
    expect(await core('query', 'alerts', '--vector', '[1, 0]')).toMatchObject({ code: 1, err: expect.stringContaining('VECTOR_INVALID_VECTOR: query vector has 2 components; this collection takes 3') });
    expect(await core('query', 'alerts', '--vector', '[1,0,0]', '--filter', '{"kind":{"$like":"c%"}}')).toMatchObject({ code: 1, err: expect.stringContaining('unknown filter operator "$like"') });
    expect(await core('describe', 'nope')).toMatchObject({ code: 1, err: expect.stringContaining('VECTOR_COLLECTION_NOT_FOUND') });
    expect((await core('query', 'alerts')).code).toBe(1);
  });

  it('the component reports the store in readiness and closes it on stop', async () => {
    const component = new VectorComponent({ kind: 'embedded', dir: join(root, 'vectors') }, createLogger('silent'));
    await component.start();
    expect(await component.health()).toEqual({ status: 'up' });
    expect(await component.store.listCollections()).toEqual(['alerts']);
    await component.stop();
  });
});
