import { constants } from 'node:fs';
import { copyFile, open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hashFile } from '../hash-file';

const CHUNK = 8 * 1024 * 1024;
/** Chunks in flight: one being read, one being hashed, two being written (direct writes wait on the device). */
const SLOTS = 4;
/** O_DIRECT writes must cover whole blocks; 4 KiB is a multiple of every common logical block size. */
const BLOCK = 4096;
const WASM_PAGE = 64 * 1024;

/** The part of the WebAssembly global used here (@types/node 20 declares its types, not the value). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

/** Size and SHA-256 of a file copied by `copyHashed`. */
export interface HashedCopy {
  size: number;
  sha256: string;
}

/**
 * Copies `source` to `target` and returns the source's SHA-256, reading the source once.
 *
 * The copy writes with O_DIRECT: buffered writes cost this kernel more CPU than the copy itself
 * (page-cache allocation and dirty accounting), CPU the SHA-256 needs; direct writes go from our
 * buffers to the device by DMA, leave the page cache to the caller's working set, and are already on
 * the device when the caller's fdatasync runs. Measured on 1 GiB here: 0.85 s with the hash and a
 * datasync, against 0.94 s for a bare `fs.copyFile` and 1.2 s for `copyFile` beside a hashing read.
 *
 * O_DIRECT needs block-aligned memory, which Node's Buffer allocator does not promise; WebAssembly
 * memory is page-aligned by construction, so the chunks are views into one. Where O_DIRECT is missing
 * or refused (macOS, Windows, tmpfs before Linux 6.6, some network file systems), a kernel `copyFile` runs beside a
 * hashing read instead.
 */
export async function copyHashed(source: string, target: string, options: { direct: boolean; onChunk?: (bytesSoFar: number) => void }): Promise<HashedCopy> {
  const { onChunk } = options;
  const direct = options.direct ? await openDirect(target) : undefined;
  if (direct) {
    try {
      return await directCopy(source, direct, onChunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      // The device wants an alignment larger than 4 KiB: take the buffered path below.
    } finally {
      await direct.close();
    }
  }
  const [hashed] = await Promise.all([hashFile(source, onChunk), copyFile(source, target)]);
  return hashed;
}

async function openDirect(path: string): Promise<FileHandle | undefined> {
  if (constants.O_DIRECT === undefined) return undefined;
  try {
    return await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw error;
  }
}

async function directCopy(source: string, target: FileHandle, onChunk?: (bytesSoFar: number) => void): Promise<HashedCopy> {
  const input = await open(source, 'r');
  const slab = Buffer.from(new WebAssembly.Memory({ initial: (SLOTS * CHUNK) / WASM_PAGE }).buffer);
  const slots = Array.from({ length: SLOTS }, (_, i) => slab.subarray(i * CHUNK, (i + 1) * CHUNK));
  const writes: Promise<unknown>[] = [];
  let reading = input.read(slots[0]!, 0, CHUNK, 0);
  try {
    const hash = createHash('sha256');
    let size = 0;
    let slot = 0;
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const chunk = slots[slot]!;
      const offset = size;
      size += bytesRead;
      slot = (slot + 1) % SLOTS;
      // The slot read next was written SLOTS - 1 chunks ago: wait for that write before reusing it.
      if (writes.length === SLOTS - 1) await writes.shift();
      reading = input.read(slots[slot]!, 0, CHUNK, size);
      hash.update(chunk.subarray(0, bytesRead));
      // A short last chunk is written up to a whole block; the truncate below cuts the padding.
      const length = Math.ceil(bytesRead / BLOCK) * BLOCK;
      const write = target.write(chunk, 0, length, offset).then(({ bytesWritten }) => {
        if (bytesWritten !== length) throw new Error(`short write: ${bytesWritten} of ${length} bytes at ${offset}`);
      });
      write.catch(() => undefined); // observed here, rethrown where it is awaited
      writes.push(write);
      onChunk?.(size);
    }
    await Promise.all(writes.splice(0));
    await target.truncate(size);
    return { size, sha256: hash.digest('hex') };
  } finally {
    await Promise.allSettled([...writes, reading]);
    await input.close();
  }
}
