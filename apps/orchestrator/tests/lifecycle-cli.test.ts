import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { runCli, type CliIo } from '../src/cli';

describe('core lifecycle (test profile: the SQLite database and the storage under DATA_DIR)', () => {
  let root: string;
  let bars: string;
  const core = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const session: CliIo & { out: string; err: string } = {
      env: { CORE_ENV: 'test', DATA_DIR: join(root, 'data'), CORE_CONFIG: join(root, 'core.config.yaml'), ...env },
      out: '',
      err: '',
      stdout: (t) => void (session.out += t),
      stderr: (t) => void (session.err += t),
      progressStream: new Writable({ write: (c, _e, done) => ((bars += c.toString()), done()) }),
    };
    const code = await runCli(['node', 'core', 'lifecycle', ...args], session);
    return { code, out: session.out, err: session.err };
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'core-lifecycle-cli-'));
    bars = '';
    await mkdir(join(root, 'data'), { recursive: true });
    const db = new Database(join(root, 'data', 'core.sqlite'));
    db.exec(`CREATE TABLE audit_logs (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, user_id INTEGER NOT NULL, what TEXT); CREATE INDEX audit_at ON audit_logs (created_at)`);
    const insert = db.prepare(`INSERT INTO audit_logs (created_at, user_id, what) VALUES (?, ?, 'login')`);
    db.transaction(() => {
      for (let i = 1; i <= 5000; i++) insert.run(new Date(Date.now() - i * 3_600_000 + 1_800_000).toISOString(), i % 10);
    })();
    db.close();
    await writeFile(
      join(root, 'core.config.yaml'),
      [
        'lifecycle:',
        '  archive: { passphraseFrom: ARCHIVE_PASSPHRASE }',
        '  erasure: { tables: [{ table: audit_logs, column: user_id }] }',
        '  policies:',
        '    - { name: audit-90d, table: audit_logs, timestampColumn: created_at, olderThan: 90d, action: archive-then-delete, batch: { initial: 500, pauseMs: 0 } }',
      ].join('\n'),
    );
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const env = { ARCHIVE_PASSPHRASE: 'archive passphrase for tests' };

  it('plans, runs with a progress bar into the profile storage (sealed), shows the ledger, and erases a subject', async () => {
    const plan = await core(env, 'plan');
    expect(plan).toMatchObject({ code: 0, out: expect.stringMatching(/^audit-90d\s+archive-then-delete 2840 row\(s\) of audit_logs older than .*index audit_at \(batches use audit_at\)/) });
    const dry = await core(env, 'run', '--dry-run', '--json');
    expect(JSON.parse(dry.out)[0]).toMatchObject({ rows: 2840, estimatedBatches: 6 });
    const run = await core(env, 'run');
    expect(run).toMatchObject({ code: 0, out: expect.stringMatching(/^audit-90d\s+archived 2840, deleted 2840 row\(s\) in \d+ batch\(es\)/) });
    expect(bars).toContain('audit-90d [');
    const archives = await readdir(join(root, 'data', 'storage'), { recursive: true });
    expect(archives.some((name) => name.endsWith('.ndjson.gz.sealed'))).toBe(true);
    const status = await core(env, 'status');
    expect(status.out).toMatch(/audit-90d\s+done\s+archived\s+2840\s+deleted\s+2840/);
    const erased = await core(env, 'erase', '3');
    expect(JSON.parse(erased.out)).toMatchObject({ total: 216, tables: [{ table: 'audit_logs', column: 'user_id', rows: 216 }] });
    const db = new Database(join(root, 'data', 'core.sqlite'));
    expect(db.prepare(`SELECT count(*) AS n FROM audit_logs`).get()).toEqual({ n: 5000 - 2840 - 216 });
    db.close();
  });

  it('a policy on a column that does not exist stops with its typed error, exit 1, and touches nothing', async () => {
    await writeFile(join(root, 'core.config.yaml'), 'lifecycle:\n  policies:\n    - { name: bad, table: audit_logs, timestampColumn: deleted_at, olderThan: 1d, action: delete }\n');
    const result = await core({}, 'run');
    expect(result).toMatchObject({ code: 1, err: expect.stringMatching(/LIFECYCLE_UNKNOWN_IDENTIFIER: policy "bad": timestampColumn "deleted_at" is not a column of audit_logs/) });
  });
});
