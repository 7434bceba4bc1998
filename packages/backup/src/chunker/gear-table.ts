import { createCipheriv } from 'node:crypto';

/** The 256 random 32-bit values FastCDC's Gear hash adds per byte, drawn from AES-256-CTR keyed by the repository's secret seed. */
export function gearTable(seed: Buffer): Uint32Array {
  const stream = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16)).update(Buffer.alloc(256 * 4));
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = stream.readUInt32LE(i * 4);
  return table;
}
