import './vendor-types';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { freePort } from './free-port';

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

/** Starts s3rver on a free port with the given buckets, storing objects in a temp directory. */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'core-s3rver-'));
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    resetOnClose: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
