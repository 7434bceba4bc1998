import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli, type CliIo } from '../src/cli';

describe('core storage (development store on local disk)', () => {
  let root: string;
  let bars: string;
  const core = async (...args: string[]) => {
    const session: CliIo & { out: string; err: string } = {
      env: { CORE_ENV: 'test', DATA_DIR: join(root, 'data') },
      out: '',
      err: '',
      stdout: (t) => void (session.out += t),
      stderr: (t) => void (session.err += t),
      progressStream: new Writable({ write: (c, _e, done) => ((bars += c.toString()), done()) }),
    };
    const code = await runCli(['node', 'core', 'storage', ...args], session);
    return { code, out: session.out, err: session.err };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-storage-cli-'));
    bars = '';
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('put, ls, get, replicate, analyze-costs and rm, with progress bars on transfers', async () => {
    const file = join(root, 'report.txt');
    await writeFile(file, 'quarterly numbers\n'.repeat(1000));
    const put = await core('put', file, 'reports/q4.txt', '--content-type', 'text/plain');
    expect(put).toMatchObject({ code: 0, out: expect.stringMatching(/^stored reports\/q4\.txt \(18000 bytes, sha256 [0-9a-f]{64}\)/) });
    expect(bars).toContain('put reports/q4.txt');
    expect(bars).toContain('100%');

    expect((await core('ls', 'reports/')).out).toMatch(/18000 .* reports\/q4\.txt/);
    expect((await core('ls', '--delimiter', '/')).out).toContain('DIR  reports/');

    const copy = join(root, 'copy.txt');
    expect((await core('get', 'reports/q4.txt', copy)).code).toBe(0);
    expect(await readFile(copy, 'utf8')).toBe('quarterly numbers\n'.repeat(1000));

    const replica = join(root, 'replica');
    expect((await core('replicate', replica)).out).toContain('copied 1, skipped 0 identical, failed 0');
    expect((await core('replicate', replica)).out).toContain('copied 0, skipped 1 identical');

    expect((await core('analyze-costs')).out).toMatch(/^1 object\(s\): \$0\.0000\/month now/);
    expect((await core('rm', 'reports/q4.txt')).out).toBe('deleted 1 object(s)\n');
  });

  it('lifecycle validates rules for the target and rejects bad ones with a clear message', async () => {
    const good = join(root, 'good.json');
    await writeFile(good, JSON.stringify([{ id: 'logs', prefix: 'logs/', transitions: [{ days: 30, storageClass: 'STANDARD_IA' }], expireAfterDays: 90 }]));
    const s3 = await core('lifecycle', good, '--target', 's3');
    expect(JSON.parse(s3.out).Rules[0]).toMatchObject({ ID: 'logs', Expiration: { Days: 90 } });
    const bad = join(root, 'bad.json');
    await writeFile(bad, JSON.stringify([{ id: 'x', transitions: [{ days: 5, storageClass: 'STANDARD_IA' }] }]));
    const refused = await core('lifecycle', bad, '--target', 's3');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('STORAGE_LIFECYCLE_INVALID');
    expect(refused.err).toContain('STANDARD_IA needs at least 30 days');
  });

  it('refuses a hostile key with exit status 1', async () => {
    const file = join(root, 'x.txt');
    await writeFile(file, 'x');
    const res = await core('put', file, '../escape.txt');
    expect(res.code).toBe(1);
    expect(res.err).toContain('STORAGE_INVALID_KEY');
  });
});
