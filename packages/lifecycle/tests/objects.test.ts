import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAll } from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import { S3Provider } from '@core/cloud-storage/s3';
import { startS3rver } from '@core/testing';
import type { S3rverHandle } from '@core/testing';
import { Lifecycle, lifecycleDrift, providerRules } from '../src';
import type { ObjectPlan, ObjectPolicy, ObjectResult } from '../src';

jest.setTimeout(60_000);

let dir: string;
let s3: S3rverHandle;
let s3client: S3Client;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifecycle-objects-'));
  s3 = await startS3rver({ buckets: ['objects'] });
  s3client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
});
afterAll(async () => {
  s3client.destroy();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;

async function keys(storage: LocalProvider | S3Provider, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listAll(storage, { prefix })) out.push(o.key);
  return out.sort();
}

test('local disk: objects past the age under the prefix expire; younger ones and other prefixes stay; transitions are reported as impossible', async () => {
  const root = join(dir, 'local');
  const storage = new LocalProvider({ root });
  for (const [key, ageDays] of [['logs/a.txt', 40], ['logs/b.txt', 31], ['logs/c.txt', 5], ['keep/d.txt', 400]] as const) {
    await storage.put(key, `body of ${key}`);
    const at = new Date(Date.now() - ageDays * DAY);
    await utimes(join(root, key), at, at);
  }
  const lifecycle = new Lifecycle({ objects: storage, policies: [{ name: 'logs-30d', kind: 'objects', prefix: 'logs/', expireAfter: '30d', transitions: [{ after: '7d', storageClass: 'STANDARD_IA' }] }] });
  const [plan] = (await lifecycle.plan()) as ObjectPlan[];
  expect(plan).toMatchObject({ objects: 3, expire: { objects: 2, keys: ['logs/a.txt', 'logs/b.txt'] }, transitions: [] });
  expect(plan!.skipped.join()).toMatch(/has no storage class STANDARD_IA/);
  const [result] = (await lifecycle.run()) as ObjectResult[];
  expect(result).toMatchObject({ expired: 2, transitioned: 0 });
  expect(await keys(storage)).toEqual(['keep/d.txt', 'logs/c.txt']);
  expect(lifecycle.stats().objectsExpired).toBe(2);
});

test('s3rver (no lifecycle engine): expiration and storage-class transitions applied by listing', async () => {
  const storage = new S3Provider({ bucket: 'objects', client: s3client, prefix: 'lc/' });
  for (const key of ['reports/2026-01.csv', 'reports/2026-02.csv', 'tmp/x.bin']) await storage.put(key, Buffer.alloc(1024, 1));
  const lifecycle = new Lifecycle({
    objects: storage,
    policies: [
      { name: 'reports', kind: 'objects', prefix: 'reports/', transitions: [{ after: '30d', storageClass: 'STANDARD_IA' }, { after: '90d', storageClass: 'GLACIER' }] },
      { name: 'tmp', kind: 'objects', prefix: 'tmp/', expireAfter: '1d' },
    ],
  });
  // Forty days on: reports move to STANDARD_IA, tmp/ expires.
  const later = new Date(Date.now() + 40 * DAY);
  const [reports, tmp] = (await lifecycle.run({ now: later })) as ObjectResult[];
  expect(reports).toMatchObject({ transitioned: 2, transitionedBytes: 2048 });
  expect(tmp).toMatchObject({ expired: 1 });
  expect((await storage.stat('reports/2026-01.csv')).storageClass).toBe('STANDARD_IA');
  expect(await keys(storage)).toEqual(['reports/2026-01.csv', 'reports/2026-02.csv']);
  // The same run again does nothing more; a hundred days on they go to GLACIER.
  const [again] = (await lifecycle.run({ now: later, policies: ['reports'] })) as ObjectResult[];
  expect(again).toMatchObject({ transitioned: 0 });
  const [colder] = (await lifecycle.run({ now: new Date(Date.now() + 100 * DAY), policies: ['reports'] })) as ObjectResult[];
  expect(colder).toMatchObject({ transitioned: 2 });
  expect((await storage.stat('reports/2026-02.csv')).storageClass).toBe('GLACIER');
});

test('provider rules and the drift report between declared and applied rules', () => {
  const declared: ObjectPolicy[] = [
    { name: 'logs', kind: 'objects', prefix: 'logs/', expireAfter: '365d', transitions: [{ after: '30d', storageClass: 'STANDARD_IA' }] },
    { name: 'tmp', kind: 'objects', prefix: 'tmp/', expireAfter: 'P7D' },
  ];
  const s3 = providerRules('s3', declared) as { Rules: Array<Record<string, unknown>> };
  expect(s3.Rules[0]).toEqual({ ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }], Expiration: { Days: 365 } });
  expect(lifecycleDrift('s3', declared, s3.Rules)).toEqual([]);
  const applied = [{ ...s3.Rules[0]!, Expiration: { Days: 90 } }, { ID: 'old', Status: 'Enabled', Filter: { Prefix: 'old/' }, Expiration: { Days: 1 } }];
  expect(lifecycleDrift('s3', declared, applied).map((d) => [d.rule, d.problem])).toEqual([
    ['logs', 'changed'],
    ['tmp', 'missing'],
    ['old', 'extra'],
  ]);
  const cool: ObjectPolicy[] = [{ name: 'logs', kind: 'objects', prefix: 'logs/', expireAfter: '365d', transitions: [{ after: '30d', storageClass: 'Cool' }] }];
  const azure = providerRules('azure', cool) as { rules: Array<Record<string, unknown>> };
  expect(lifecycleDrift('azure', cool, azure.rules)).toEqual([]);
  expect(lifecycleDrift('azure', cool, [])).toMatchObject([{ rule: 'logs', problem: 'missing' }]);
  expect(() => providerRules('s3', [{ name: 'bad', kind: 'objects', prefix: '', transitions: [{ after: '5d', storageClass: 'STANDARD_IA' }] }])).toThrow(/at least 30 days/);
});
