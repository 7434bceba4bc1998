import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitForPort } from './wait-for-port';

/** A running s3rver (S3 stand-in) with the settings an S3 client needs. */
export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` — pass as the client's endpoint with `forcePathStyle: true`. */
  endpoint: string;
  /** Region any S3 client may use against s3rver. */
  region: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  /** s3rver's fixed credentials. */
  secretAccessKey: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver on a free port with the given buckets, in a child process (see s3rver-process.cjs
 * for why), storing objects in a temp directory.
 */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'core-s3rver-'));
  const port = await freePort();
  const config = { address: '127.0.0.1', port, directory, silent: true, configureBuckets: (options.buckets ?? []).map((name) => ({ name })) };
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(__dirname, 's3rver-process.cjs'), JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitForPort(port), exited.then(() => Promise.reject(new Error(`s3rver exited: ${stderr}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
