import { rm } from 'node:fs/promises';
import { LocalProvider } from '@core/cloud-storage/local';
import { repositorySuite } from './repository-suite';
import { tempDir } from './fixtures';

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

repositorySuite('local disk', async () => {
  const root = await tempDir('core-backup-repo-');
  roots.push(root);
  return new LocalProvider({ root });
});
