import { chunkerMasks, cutPoint } from './fastcdc';
import type { ChunkerParams } from './fastcdc';

/** Splits a byte stream into content-defined chunks; the chunks are views, never copied again. */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, params: ChunkerParams, gear: Uint32Array): AsyncGenerator<Buffer> {
  const masks = chunkerMasks(params);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const drain = function* (ended: boolean): Generator<Buffer> {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    let position = 0;
    while (data.length - position >= params.max || (ended && position < data.length)) {
      const length = cutPoint(data, position, data.length, params, masks, gear);
      yield data.subarray(position, position + length);
      position += length;
    }
    pending = position < data.length ? [data.subarray(position)] : [];
    pendingBytes = data.length - position;
  };
  for await (const piece of source) {
    if (piece.length === 0) continue;
    pending.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    pendingBytes += piece.length;
    if (pendingBytes >= params.max) yield* drain(false);
  }
  yield* drain(true);
}
