import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LifecycleRuleError, applyExpiration, toAzurePolicy, toS3Lifecycle, validateLifecycle, type LifecycleRule } from '../src';
import { LocalProvider } from '../src/local';

const archiveLogs: LifecycleRule = {
  id: 'logs',
  prefix: 'logs/',
  transitions: [
    { days: 30, storageClass: 'STANDARD_IA' },
    { days: 90, storageClass: 'GLACIER' },
  ],
  expireAfterDays: 365,
  abortIncompleteUploadsAfterDays: 7,
};

describe('lifecycle rules', () => {
  it('translate to S3 LifecycleConfiguration (documented shape)', () => {
    expect(toS3Lifecycle([archiveLogs, { id: 'tmp', tags: { temp: 'true' }, expireAfterDays: 1 }])).toEqual({
      Rules: [
        {
          ID: 'logs',
          Status: 'Enabled',
          Filter: { Prefix: 'logs/' },
          Transitions: [
            { Days: 30, StorageClass: 'STANDARD_IA' },
            { Days: 90, StorageClass: 'GLACIER' },
          ],
          Expiration: { Days: 365 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
        { ID: 'tmp', Status: 'Enabled', Filter: { Tag: { Key: 'temp', Value: 'true' } }, Expiration: { Days: 1 } },
      ],
    });
  });

  it('translate to an Azure management policy (documented shape)', () => {
    const rule: LifecycleRule = { id: 'logs', prefix: 'logs/', tags: { team: 'ops' }, transitions: [{ days: 30, storageClass: 'Cool' }, { days: 180, storageClass: 'Archive' }], expireAfterDays: 365 };
    expect(toAzurePolicy([rule])).toEqual({
      rules: [
        {
          enabled: true,
          name: 'logs',
          type: 'Lifecycle',
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['logs/'], blobIndexMatch: [{ name: 'team', op: '==', value: 'ops' }] },
            actions: {
              baseBlob: {
                tierToCool: { daysAfterModificationGreaterThan: 30 },
                tierToArchive: { daysAfterModificationGreaterThan: 180 },
                delete: { daysAfterModificationGreaterThan: 365 },
              },
            },
          },
        },
      ],
    });
  });

  it.each([
    ['Standard-IA before 30 days', 's3', { id: 'a', transitions: [{ days: 10, storageClass: 'STANDARD_IA' }] }, /STANDARD_IA needs at least 30 days/],
    ['transitions out of order', 's3', { id: 'a', transitions: [{ days: 90, storageClass: 'GLACIER' }, { days: 120, storageClass: 'STANDARD_IA' }] }, /colder classes in order/],
    ['expiration before the last transition', 's3', { id: 'a', transitions: [{ days: 90, storageClass: 'GLACIER' }], expireAfterDays: 60 }, /must come after the last transition/],
    ['an unknown class', 's3', { id: 'a', transitions: [{ days: 40, storageClass: 'Cool' }] }, /cannot transition to "Cool"/],
    ['abort on Azure', 'azure', { id: 'a', abortIncompleteUploadsAfterDays: 3 }, /no action for incomplete uploads/],
    ['a transition on local disk', 'local', { id: 'a', transitions: [{ days: 40, storageClass: 'GLACIER' }] }, /no storage classes/],
    ['a rule without actions', 's3', { id: 'a', prefix: 'x/' }, /has no action/],
    ['negative days', 's3', { id: 'a', expireAfterDays: -1 }, /whole numbers/],
  ] as const)('reject %s with a clear error', (_name, target, rule, message) => {
    expect(() => validateLifecycle(target, [rule as LifecycleRule])).toThrow(LifecycleRuleError);
    expect(() => validateLifecycle(target, [rule as LifecycleRule])).toThrow(message);
  });

  it('are enforced on local disk by the expiration applier', async () => {
    const root = await mkdtemp(join(tmpdir(), 'core-lifecycle-'));
    try {
      const provider = new LocalProvider({ root });
      await provider.put('logs/old.txt', 'old');
      await provider.put('logs/new.txt', 'new');
      await provider.put('keep/old.txt', 'old but elsewhere');
      const fortyDaysAgo = new Date(Date.now() - 40 * 86_400_000);
      await utimes(join(root, 'logs/old.txt'), fortyDaysAgo, fortyDaysAgo);
      await utimes(join(root, 'keep/old.txt'), fortyDaysAgo, fortyDaysAgo);
      expect(await applyExpiration(provider, [{ id: 'logs', prefix: 'logs/', expireAfterDays: 30 }])).toEqual(['logs/old.txt']);
      expect(await provider.exists('logs/old.txt')).toBe(false);
      expect(await provider.exists('logs/new.txt')).toBe(true);
      expect(await provider.exists('keep/old.txt')).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
