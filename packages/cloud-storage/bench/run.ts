// Benchmarks of @core/cloud-storage against the raw libraries it wraps, in one run.
// Run: `npx nx run @core/cloud-storage:bench` (BENCH_MIB=1024 by default; set it lower for a quick run;
// BENCH_ONLY=local or =s3 runs one half; BENCH_TRACE=1 prints every timed run).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { faster, median, report, runMain, type Result } from '@core/bench';
import { startS3rver } from '@core/testing';
import { LocalProvider } from '../src/local';
import { S3Provider } from '../src/s3';
import { partSizeFor } from '../src/s3/s3-provider';
import type { Readable } from 'node:stream';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MIB || 1024) * MIB;
/** Timed runs per side against s3rver, whose 1 GiB uploads took 13–19 s within one run. */
const ROUNDS = 7;
/** Timed runs per side on local disk, where 1 GiB copies move with writeback and discards. */
const LOCAL_ROUNDS = 9;
const QUEUE = 4;
const results: Result[] = [];

async function bigFile(dir: string, bytes: number): Promise<string> {
  const path = join(dir, `data-${bytes}.bin`);
  const handle = await open(path, 'w');
  const chunk = randomBytes(8 * MIB);
  for (let written = 0; written < bytes; written += chunk.length) await handle.write(chunk, 0, Math.min(chunk.length, bytes - written));
  await handle.close();
  return path;
}

/**
 * Median MiB/s of `ours` over alternating rounds with its peer; `settle` runs untimed before every timed
 * run (both sides), so background work of one run cannot slow the next.
 */
async function rounds(
  ours: () => Promise<void>,
  peer: () => Promise<void>,
  bytes: number,
  { count = ROUNDS, settle }: { count?: number; settle?: () => Promise<void> } = {},
): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < count; i++) {
    for (const [fn, out] of (i % 2 === 0 ? [[ours, a], [peer, b]] : [[peer, b], [ours, a]]) as Array<[() => Promise<void>, number[]]>) {
      // Every timed run starts with no dirty pages: otherwise one side pays for the other's writeback
      // (1 GiB copies on this disk took 0.5 s to 3 s depending on what was still being flushed).
      await settle?.();
      execFileSync('sync');
      const t = performance.now();
      await fn();
      out.push(bytes / MIB / ((performance.now() - t) / 1000));
      if (process.env.BENCH_TRACE) console.log(fn === ours ? 'ours' : 'peer', Math.round(performance.now() - t), 'ms');
    }
  }
  return [median(a), median(b)];
}

async function sink(stream: Readable): Promise<void> {
  for await (const _ of stream);
}

async function s3Transfers(dir: string): Promise<void> {
  const server = await startS3rver({ buckets: ['bench'] });
  try {
    const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    const provider = new S3Provider({ bucket: 'bench', client, queueSize: QUEUE });
    const file = await bigFile(dir, SIZE);
    const [upOurs, upPeer] = await rounds(
      async () => void (await provider.put('ours.bin', { path: file })),
      async () => void (await new Upload({ client, params: { Bucket: 'bench', Key: 'raw.bin', Body: createReadStream(file) }, partSize: partSizeFor(undefined), queueSize: QUEUE }).done()),
      SIZE,
    );
    results.push(faster(`S3 upload of ${SIZE / MIB} MiB to s3rver (MiB/s)`, upOurs, 'raw lib-storage Upload, same part size and queue', upPeer, 0.95, 'MiB/s'));
    const [downOurs, downPeer] = await rounds(
      async () => sink(await provider.get('ours.bin')),
      async () => sink((await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'raw.bin' }))).Body as Readable),
      SIZE,
    );
    results.push(faster(`S3 download of ${SIZE / MIB} MiB from s3rver (MiB/s)`, downOurs, 'raw GetObject', downPeer, 0.95, 'MiB/s'));

    // Peak RSS growth of this process while uploading (s3rver runs in its own process).
    for (const mib of [256, 2048]) {
      const path = await bigFile(dir, mib * MIB);
      globalThis.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      await provider.put(`rss-${mib}.bin`, { path });
      clearInterval(sampler);
      const growth = (peak - base) / MIB;
      const bound = (QUEUE * partSizeFor(undefined)) / MIB + 64;
      results.push({ case: `peak RSS growth uploading ${mib} MiB (MiB)`, unit: 'MiB', ours: Math.round(growth), peer: `bound: queue × part size + 64 MiB`, peerValue: bound, ratio: Math.round((bound / Math.max(growth, 1)) * 100) / 100, target: 1 });
      await rm(path);
      await provider.delete(`rss-${mib}.bin`);
    }
  } finally {
    await server.stop();
  }
}

async function localTransfers(dir: string): Promise<void> {
  const file = await bigFile(dir, SIZE);
  const provider = new LocalProvider({ root: join(dir, 'store') });
  const settle = () => provider.idle();
  // Both sides replace what the previous round wrote: copyFile truncates its target, the put renames over
  // the object and frees the old file in the background (waited for by `settle`, outside the timing).
  const copy = () => copyFile(file, join(dir, 'copy.bin'));
  const [putOurs, putPeer] = await rounds(async () => void (await provider.put('ours.bin', { path: file })), copy, SIZE, { count: LOCAL_ROUNDS, settle });
  results.push(faster(`local put of ${SIZE / MIB} MiB over an object (MiB/s)`, putOurs, 'fs.copyFile over a file', putPeer, 0.9, 'MiB/s'));
  const [freedOurs, freedPeer] = await rounds(
    async () => {
      await provider.put('ours.bin', { path: file });
      await provider.idle();
    },
    copy,
    SIZE,
    { count: LOCAL_ROUNDS, settle },
  );
  results.push(faster(`local put of ${SIZE / MIB} MiB over an object, old file freed in the timing (MiB/s)`, freedOurs, 'fs.copyFile over a file', freedPeer, 0.9, 'MiB/s'));
  const [getOurs, getPeer] = await rounds(
    async () => pipeline(await provider.get('ours.bin'), createWriteStream(join(dir, 'out-ours.bin'))),
    () => pipeline(createReadStream(file), createWriteStream(join(dir, 'out-raw.bin'))),
    SIZE,
    { count: LOCAL_ROUNDS },
  );
  results.push(faster(`local get of ${SIZE / MIB} MiB (MiB/s)`, getOurs, 'fs.createReadStream', getPeer, 0.9, 'MiB/s'));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'core-storage-bench-'));
  try {
    await writeFile(join(dir, '.keep'), '');
    // BENCH_ONLY=local or =s3 runs one half (results.json is written only for a full run).
    if (process.env.BENCH_ONLY !== 's3') await localTransfers(dir);
    if (process.env.BENCH_ONLY !== 'local') await s3Transfers(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_ONLY) console.table(results);
  else report(results, fileURLToPath(new URL('results.json', import.meta.url)));
}

runMain(main);
