import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { EmbeddedVectorStore } from '@core/vector/embedded';
import { runCli, type CliIo } from '../src/cli';

describe('core backup (test profile: repository under DATA_DIR/backups)', () => {
  let root: string;
  let bars: string;
  const core = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const session: CliIo & { out: string; err: string } = {
      env: { CORE_ENV: 'test', DATA_DIR: join(root, 'data'), ...env },
      out: '',
      err: '',
      stdout: (t) => void (session.out += t),
      stderr: (t) => void (session.err += t),
      progressStream: new Writable({ write: (c, _e, done) => ((bars += c.toString()), done()) }),
    };
    const code = await runCli(['node', 'core', 'backup', ...args], session);
    return { code, out: session.out, err: session.err };
  };
  const encrypted = { BACKUP_PASSPHRASE: 'a long test passphrase' };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-backup-cli-'));
    bars = '';
    await mkdir(join(root, 'site/assets'), { recursive: true });
    await writeFile(join(root, 'site/index.html'), '<h1>hello</h1>\n'.repeat(1000));
    await writeFile(join(root, 'site/assets/app.js'), 'console.log(1);\n'.repeat(5000));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('backs up a folder, lists, diffs, verifies, restores, and forgets with restic\'s reasons', async () => {
    expect(await core(encrypted, 'snapshots')).toMatchObject({ code: 0, out: 'no snapshots\n' });
    const first = await core(encrypted, 'run', 'folder', join(root, 'site'), '--tag', 'nightly');
    expect(first).toMatchObject({ code: 0, out: expect.stringMatching(/^snapshot [0-9a-f]{8} saved \(full\)\n  2 files/) });
    expect(bars).toContain('backup folder');
    await writeFile(join(root, 'site/new.txt'), 'new');
    const second = await core(encrypted, 'run', 'folder', join(root, 'site'), '--json');
    const lines = second.out.trim().split('\n').map((line) => JSON.parse(line) as { event: string; snapshot?: { id: string; type: string } });
    expect(lines.at(-1)).toMatchObject({ event: 'done', snapshot: { type: 'incremental' } });
    const listing = await core(encrypted, 'snapshots');
    expect(listing.out.trim().split('\n')).toHaveLength(2);
    const [a, b] = listing.out.trim().split('\n').map((line) => line.slice(0, 8));
    expect((await core(encrypted, 'diff', a!, b!)).out).toBe('+  /new.txt\n');
    expect(await core(encrypted, 'verify', '--read-data')).toMatchObject({ code: 0, out: expect.stringContaining('no errors were found') });
    const target = join(root, 'restored');
    expect(await core(encrypted, 'restore', 'latest', target)).toMatchObject({ code: 0, out: expect.stringMatching(/^restored 3 files/) });
    expect(await readFile(join(target, 'new.txt'), 'utf8')).toBe('new');
    const dry = await core(encrypted, 'forget', '--keep-last', '1', '--keep-tag', 'nightly', '--dry-run');
    expect(dry.out).toMatch(/keep 2, remove 0/);
    expect(dry.out).toContain('(last snapshot)');
    expect(dry.out).toContain('(has tags [nightly])');
    const real = await core(encrypted, 'forget', '--keep-last', '1', '--prune');
    expect(real.out).toMatch(/keep 1, remove 1[\s\S]*removed [\s\S]*deleted \d+ unused/);
    expect(JSON.parse((await core(encrypted, 'stats')).out)).toMatchObject({ snapshots: 1 });
  });

  it('backs up the SQLite database and a vector collection, and restores both', async () => {
    const file = join(root, 'app.sqlite');
    const db = new Database(file);
    db.exec("create table t (x text); insert into t values ('kept')");
    db.close();
    expect((await core({}, 'run', 'sqlite', file)).code).toBe(0);
    const store = new EmbeddedVectorStore({ dir: join(root, 'data/vectors'), sweepIntervalMs: 0 });
    const docs = await store.createCollection({ name: 'docs', dimension: 3, metric: 'cosine' });
    await docs.upsert([{ id: 'a', vector: [1, 0, 0], metadata: { lang: 'en' } }, { id: 'b', vector: [0, 1, 0] }]);
    await docs.upsert([{ id: 'c', vector: [0, 0, 1] }], { namespace: 'archive' });
    await store.close();
    expect((await core({}, 'run', 'vector', 'docs')).code).toBe(0);

    const listing = (await core({}, 'snapshots', '--json')).out;
    const [sqliteSnap, vectorSnap] = JSON.parse(listing) as Array<{ id: string; source: { kind: string } }>;
    expect([sqliteSnap!.source.kind, vectorSnap!.source.kind]).toEqual(['sqlite', 'vector']);
    const restoredDb = join(root, 'restored.sqlite');
    expect((await core({}, 'restore', sqliteSnap!.id.slice(0, 8), restoredDb)).code).toBe(0);
    const copy = new Database(restoredDb, { readonly: true });
    expect(copy.prepare('select x from t').get()).toEqual({ x: 'kept' });
    copy.close();
    expect(await core({}, 'restore', vectorSnap!.id.slice(0, 8), 'docs-restored')).toMatchObject({ code: 0, err: '' });
    const reopened = new EmbeddedVectorStore({ dir: join(root, 'data/vectors'), sweepIntervalMs: 0 });
    const restored = await reopened.collection('docs-restored');
    expect((await restored.describe()).namespaces).toEqual({ '': 2, archive: 1 });
    expect(await restored.get(['a'], { includeVectors: true })).toEqual([{ id: 'a', vector: [1, 0, 0], metadata: { lang: 'en' } }]);
    await reopened.close();
  });

  it('typed failures: wrong passphrase, unknown source kind, production without BACKUP_PASSPHRASE', async () => {
    expect((await core(encrypted, 'init')).code).toBe(0);
    const wrong = await core({ BACKUP_PASSPHRASE: 'another long passphrase' }, 'snapshots');
    expect(wrong).toMatchObject({ code: 1, err: expect.stringContaining('BACKUP_WRONG_PASSPHRASE') });
    expect(wrong.err).not.toContain('another long passphrase');
    expect(await core(encrypted, 'run', 'tape', 'x')).toMatchObject({ code: 1, err: expect.stringContaining('unknown source kind "tape"') });
    const production = await core({ CORE_ENV: 'production', DATABASE_URL: 'postgres://u@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379', S3_BUCKET: 'backups-bucket', AWS_REGION: 'eu-west-1' }, 'snapshots');
    expect(production).toMatchObject({ code: 2, err: expect.stringContaining('BACKUP_PASSPHRASE') });
  });
});
