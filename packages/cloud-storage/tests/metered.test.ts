import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError, ObjectNotFoundError, metered, readAll } from '../src';
import { LocalProvider } from '../src/local';
import { conformance } from './conformance';

const key = randomBytes(32);

// The wrapper changes nothing a caller can see: the whole contract again, through it.
conformance('metered local disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'core-storage-'));
  return { provider: metered(new LocalProvider({ root, encryptionKey: key })), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('metered', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-storage-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('counts calls, failures by code and the bytes written and read', async () => {
    const provider = metered(new LocalProvider({ root, encryptionKey: key }));
    await provider.put('a.bin', Buffer.alloc(1000, 1));
    await provider.put('b.bin', 'hello');
    expect((await readAll(await provider.get('a.bin'))).length).toBe(1000);
    await expect(provider.get('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(provider.stat('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await provider.list();
    const stats = provider.stats();
    expect(stats).toMatchObject({ provider: 'local', bytesWritten: 1005, bytesRead: 1000, errorsByCode: { STORAGE_NOT_FOUND: 2 } });
    expect(stats.operations).toMatchObject({ put: { calls: 2, errors: 0 }, get: { calls: 2, errors: 1 }, stat: { calls: 1, errors: 1 }, list: { calls: 1, errors: 0 } });
  });

  it('counts a get whose stream fails midway (a checksum mismatch) as failed, and one the caller stops early as not', async () => {
    const provider = metered(new LocalProvider({ root, encryptionKey: key }));
    await provider.put('big.bin', randomBytes(4 * 1024 * 1024));
    await writeFile(join(root, 'big.bin'), randomBytes(4 * 1024 * 1024)); // bytes changed behind the store's back
    await expect(provider.get('big.bin', { verify: true }).then(readAll)).rejects.toBeInstanceOf(IntegrityError);
    const early = await provider.get('big.bin');
    for await (const chunk of early) {
      expect(chunk.length).toBeGreaterThan(0);
      break; // destroys the stream
    }
    const stats = provider.stats();
    expect(stats.operations.get).toEqual({ calls: 2, errors: 1 });
    expect(stats.errorsByCode).toEqual({ STORAGE_INTEGRITY: 1 });
  });
});
