import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Body } from './provider';

const MIB = 1024 * 1024;

/** A body as a stream with its size when known. */
export async function toStream(body: Body): Promise<{ stream: Readable; size: number | undefined }> {
  if (typeof body === 'string') return bufferStream(Buffer.from(body, 'utf8'));
  if (body instanceof Uint8Array) return bufferStream(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  if (body instanceof Readable) return { stream: body, size: undefined };
  // 1 MiB reads: the default 64 KiB chunks cost a third of local throughput in the benchmark.
  return { stream: createReadStream(body.path, { highWaterMark: MIB }), size: (await stat(body.path)).size };
}

function bufferStream(buffer: Buffer): { stream: Readable; size: number } {
  return { stream: Readable.from([buffer], { objectMode: false }), size: buffer.length };
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** SHA-256 of a body that can be read without consuming it (bytes, text, a file); undefined for a stream. */
export async function hashKnownBody(body: Body): Promise<string | undefined> {
  if (typeof body === 'string' || body instanceof Uint8Array) return createHash('sha256').update(body).digest('hex');
  if (body instanceof Readable) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(body.path, { highWaterMark: MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
