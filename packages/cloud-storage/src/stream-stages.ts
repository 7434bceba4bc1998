import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { IntegrityError } from './errors';
import type { Progress } from './provider';

/**
 * `stream` reporting its progress to `onProgress`; the stream itself when nobody listens (a pass-through
 * stage costs about a tenth of a 500 MB/s download in per-chunk work).
 */
export function withProgress(stream: Readable, key: string, total: number | undefined, onProgress?: (p: Progress) => void): Readable {
  if (!onProgress) return stream;
  let bytes = 0;
  return pulled(stream, (chunk) => {
    bytes += chunk.length;
    onProgress({ key, bytes, total });
    return chunk;
  });
}

/**
 * A stream of `source`'s chunks mapped by `each` (undefined drops a chunk), then `end` run after the last.
 * Nothing is read before the consumer reads, so an error (`each` or `end` throwing, the source failing)
 * surfaces where the stream is consumed: a piped stage starts flowing at once, and one that fails before
 * anybody listens (a small object whose checksum is wrong, say) would be an uncaught 'error' event.
 */
export function pulled(source: AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>), each?: (chunk: Buffer) => Buffer | undefined, end?: () => void): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of typeof source === 'function' ? source() : source) {
        const out = each ? each(chunk) : chunk;
        if (out !== undefined && out.length > 0) yield out;
      }
      end?.();
    })(),
    { objectMode: false },
  );
}

/** `source` failing at its end if its bytes do not hash (SHA-256) to `expected`. */
export function verified(source: Readable, expected: string, key: string): Readable {
  const hash = createHash('sha256');
  return pulled(
    source,
    (chunk) => {
      hash.update(chunk);
      return chunk;
    },
    () => {
      const actual = hash.digest('hex');
      if (actual !== expected) throw new IntegrityError(`object "${key}" is corrupt: sha256 ${actual}, expected ${expected}`);
    },
  );
}

/** Pipes `source` into `stage`, carrying errors along (plain `pipe` drops them). */
export function pipeInto(source: Readable, stage: Transform): Readable {
  source.on('error', (error) => stage.destroy(error));
  return source.pipe(stage);
}

/** A pass-through stage that hashes (SHA-256) and counts what goes by. */
export function hashing(): { stage: Transform; digest(): string; bytes(): number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stage = new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stage, digest: () => hash.digest('hex'), bytes: () => bytes };
}

/** The common tail of a download: optional checksum verification, then progress reporting. */
export function downloadStages(
  body: Readable,
  key: string,
  stored: { sha256: string | undefined; size: number | undefined },
  options: { verify?: boolean; onProgress?: (progress: Progress) => void },
): Readable {
  let out = body;
  if (options.verify) {
    if (!stored.sha256) throw new IntegrityError(`object "${key}" has no stored sha256 to verify against`);
    out = verified(out, stored.sha256, key);
  }
  return withProgress(out, key, stored.size, options.onProgress);
}
