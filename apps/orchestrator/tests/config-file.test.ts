import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCore as core } from './helpers';
import { loadConfig } from '../src/config/load-config';
import { BUILT_IN_JOBS } from '../src/config/config-file';
import { profileJobs } from '../src/jobs/profile-jobs';

/** Job dependencies a test that only lists jobs never reaches. */
const deps = {
  vectors: () => {
    throw new Error('unused');
  },
  lifecycle: () => {
    throw new Error('unused');
  },
};

describe('the config file (CORE_CONFIG)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'core-config-file-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const env = (file: string, extra: Record<string, string> = {}) => ({ CORE_ENV: 'test', DATA_DIR: join(dir, 'data'), CORE_CONFIG: file, ...extra });

  it('without a file the built-in jobs run as documented', () => {
    const config = loadConfig({ CORE_ENV: 'test', DATA_DIR: join(dir, 'data') });
    expect(profileJobs(config, deps).map((j) => [j.name, j.schedule])).toEqual([
      ['backup-database', '0 2 * * *'],
      ['backup-vectors', '15 2 * * *'],
      ['backup-verify', '0 4 * * 0'],
      ['backup-drill', '0 5 * * 0'],
      ['vector-ttl-sweep', '*/5 * * * *'],
    ]);
    expect(profileJobs(config, deps).map((j) => j.name)).toEqual(BUILT_IN_JOBS.filter((name) => name !== 'backup-pg-base'));
  });

  it('applies job overrides and adds source jobs from YAML; core config prints the merged result', async () => {
    const file = join(dir, 'core.config.yaml');
    await writeFile(
      file,
      [
        'jobs:',
        '  backup-database: { schedule: "0 3 * * *", timezone: Europe/Berlin, timeout: 2h, retries: 5 }',
        '  vector-ttl-sweep: { enabled: false }',
        'backups:',
        '  retention: { daily: 3, weekly: 2 }',
        '  sources:',
        '    - { name: uploads, kind: folder, path: /srv/uploads, exclude: ["**/*.tmp"], schedule: "30 1 * * *", tags: [nightly] }',
        '    - { name: analytics, kind: postgres, urlFrom: ANALYTICS_URL, schedule: "0 5 * * 0" }',
      ].join('\n'),
    );
    const e = env(file, { ANALYTICS_URL: 'postgres://reader:secret@db:5432/analytics' });
    const jobs = profileJobs(loadConfig(e), deps);
    expect(jobs.map((j) => j.name)).toEqual(['backup-database', 'backup-vectors', 'backup-verify', 'backup-drill', 'backup-uploads', 'backup-analytics']);
    expect(jobs[0]).toMatchObject({ schedule: '0 3 * * *', timezone: 'Europe/Berlin', timeoutMs: 7_200_000, retries: 5 });
    const printed = await core(e, 'config');
    expect(JSON.parse(printed.out).file.backups.retention).toEqual({ daily: 3, weekly: 2 });
    expect(printed.out).not.toContain('secret');
  });

  it.each([
    ['a malformed cron expression', 'backups:\n  sources:\n    - { name: a, kind: folder, path: /a, schedule: "0 1 * * *" }\n    - { name: b, kind: folder, path: /b, schedule: "61 * * * *" }\n', /backups\.sources\[1\]\.schedule: expected a cron expression/],
    ['an unknown zone', 'jobs:\n  backup-database: { timezone: Mars/Olympus }\n', /jobs\.backup-database\.timezone: expected an IANA time zone/],
    ['an unknown job', 'jobs:\n  backup-everything: { schedule: "0 1 * * *" }\n', /jobs\.backup-everything: no such job/],
    ['a connection string inlined instead of referenced', 'backups:\n  sources:\n    - { name: db, kind: postgres, url: "postgres://u:p@h/db", schedule: "0 1 * * *" }\n', /backups\.sources\[0\]/],
    ['a referenced variable that is not set', 'backups:\n  sources:\n    - { name: db, kind: postgres, urlFrom: NOT_SET_ANYWHERE, schedule: "0 1 * * *" }\n', /backups\.sources\[0\]\.urlFrom: the environment variable NOT_SET_ANYWHERE is not set/],
    ['a bad duration', 'jobs:\n  backup-verify: { timeout: soon }\n', /jobs\.backup-verify\.timeout: expected a duration/],
    ['a malformed point-in-time window', 'backups:\n  postgres: { baseBackups: true, pitrWithin: a week }\n', /backups\.postgres\.pitrWithin: expected a duration like 7d/],
    ['a lifecycle policy with a malformed age', 'lifecycle:\n  policies:\n    - { name: audit, table: audit_logs, timestampColumn: created_at, olderThan: 90d, action: delete }\n    - { name: old, table: t, timestampColumn: at, olderThan: ninety days, action: delete }\n', /lifecycle\.policies\[1\]\.olderThan: must be an age/],
    ['an injection attempt in a lifecycle table name', 'lifecycle:\n  policies:\n    - { name: x, table: "users; DROP TABLE users", timestampColumn: at, olderThan: 1d, action: delete }\n', /lifecycle\.policies\[0\]\.table: must be `table` or `schema.table`/],
    ['a bad erasure map', 'lifecycle:\n  erasure: { tables: [{ table: users }] }\n', /lifecycle\.erasure\.tables\[0\]\.column/],
    ['an unset archive passphrase variable', 'lifecycle:\n  archive: { passphraseFrom: NO_PASSPHRASE_HERE }\n', /lifecycle\.archive\.passphraseFrom: the environment variable NO_PASSPHRASE_HERE is not set/],
    ['an unset cluster URL variable', 'backups:\n  postgres: { baseBackups: true, urlFrom: NOT_SET_EITHER }\n', /backups\.postgres\.urlFrom: the environment variable NOT_SET_EITHER is not set/],
  ])('refuses %s with exit 2, naming the path in the file', async (_label, yaml, message) => {
    const file = join(dir, 'core.config.yaml');
    await writeFile(file, yaml);
    const result = await core(env(file), 'config');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).not.toContain('u:p@');
  });

  it('runs each lifecycle policy as its own job on the lifecycle schedule, overridable under jobs:', async () => {
    const file = join(dir, 'core.config.yaml');
    await writeFile(
      file,
      [
        'lifecycle:',
        '  schedule: "0 4 * * 6"',
        '  timezone: Europe/Berlin',
        '  policies:',
        '    - { name: audit-90d, table: audit_logs, timestampColumn: created_at, olderThan: 90d, action: delete }',
        '    - { name: tmp, kind: objects, prefix: tmp/, expireAfter: 7d }',
        'jobs:',
        '  lifecycle-tmp: { schedule: "0 * * * *" }',
      ].join('\n'),
    );
    const jobs = profileJobs(loadConfig(env(file)), deps).filter((j) => j.name.startsWith('lifecycle-'));
    expect(jobs.map((j) => [j.name, j.schedule, j.timezone, j.runOnStartIfNever])).toEqual([
      ['lifecycle-audit-90d', '0 4 * * 6', 'Europe/Berlin', false],
      ['lifecycle-tmp', '0 * * * *', 'Europe/Berlin', false],
    ]);
  });

  it('development without a file expires scratch objects (tmp/) weekly, once right after the first start', () => {
    const config = loadConfig({ CORE_ENV: 'development', DATA_DIR: join(dir, 'data') });
    expect(profileJobs(config, deps).find((j) => j.name === 'lifecycle-storage-tmp')).toMatchObject({ schedule: '0 3 * * 0', runOnStartIfNever: true });
  });

  it('schedules base backups and their retention when backups.postgres.baseBackups is on', async () => {
    const file = join(dir, 'core.config.yaml');
    await writeFile(file, 'backups:\n  postgres: { baseBackups: true, urlFrom: CLUSTER_URL, schedule: "0 1 * * *", pitrWithin: 3d }\n  drills:\n    checks:\n      - { name: rows, sql: "select count(*) from orders", expect: "10" }\n');
    const config = loadConfig(env(file, { CLUSTER_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }));
    const job = profileJobs(config, deps).find((j) => j.name === 'backup-pg-base');
    expect(job).toMatchObject({ schedule: '0 1 * * *', runOnStartIfNever: true });
    expect(config.file.backups.postgres).toMatchObject({ pitrWithin: '3d', retention: { daily: 30, monthly: 12 } });
    expect(config.file.backups.drills?.checks).toEqual([{ name: 'rows', sql: 'select count(*) from orders', expect: '10' }]);
  });

  it('reads JSON too', async () => {
    const file = join(dir, 'core.config.json');
    await writeFile(file, JSON.stringify({ jobs: { 'backup-verify': { schedule: '0 6 * * 1' } } }));
    expect(profileJobs(loadConfig(env(file)), deps).find((j) => j.name === 'backup-verify')!.schedule).toBe('0 6 * * 1');
  });
});
