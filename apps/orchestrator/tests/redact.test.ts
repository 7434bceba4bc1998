import { redact, redactUrl } from '../src/config/redact';
import { loadConfig } from '../src/config/load-config';

describe('redact', () => {
  it('removes the password from URLs and keeps the rest readable', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db:5432/app')).toBe('postgres://app:[redacted]@db:5432/app');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('redacts secret-named fields and URL passwords everywhere in the resolved config', () => {
    const config = loadConfig({
      CORE_ENV: 'production',
      DATABASE_URL: 'postgres://app:db-pw-123@db:5432/app',
      DATABASE_REPLICA_URLS: 'postgres://app:replica-pw@r1:5432/app',
      REDIS_URL: 'redis://:redis-pw@cache:6379',
      PINECONE_API_KEY: 'pc-key-abcdef',
      PINECONE_INDEX: 'core',
      BACKUP_PASSPHRASE: 'correct horse battery staple',
    });
    const printed = JSON.stringify(redact(config));
    expect(printed).not.toMatch(/db-pw-123|replica-pw|redis-pw|pc-key-abcdef|battery staple/);
    expect(printed).toContain('postgres://app:[redacted]@db:5432/app');
    expect(redact(config).vectors).toEqual({ kind: 'pinecone', apiKey: '[redacted]', index: 'core' });
    // The original is untouched.
    expect(config.backups.passphrase).toBe('correct horse battery staple');
  });
});
