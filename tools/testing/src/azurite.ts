import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitForPort } from './wait-for-port';

/** Azurite's well-known development account (public, documented by Microsoft). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running azurite blob service with the connection string a client needs. */
export interface AzuriteHandle {
  /** Connection string for `BlobServiceClient.fromConnectionString`. */
  connectionString: string;
  /** Blob endpoint URL including the account. */
  blobEndpoint: string;
  /** Stops the process and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts azurite's blob service in a child process on a free port, in memory. */
export async function startAzurite(): Promise<AzuriteHandle> {
  const location = await mkdtemp(join(tmpdir(), 'core-azurite-'));
  const port = await freePort();
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const child = spawn(
    process.execPath,
    [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--silent', '--inMemoryPersistence',
      '--skipApiVersionCheck', '--loose'],
    // In-memory persistence; the temp cwd catches any file azurite still writes.
    { cwd: location, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = exited.then(() => {
    throw new Error(`azurite exited before listening: ${stderr.trim()}`);
  });
  try {
    await Promise.race([waitForPort(port), died]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  died.catch(() => undefined);
  const blobEndpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(location, { recursive: true, force: true });
    },
  };
}
