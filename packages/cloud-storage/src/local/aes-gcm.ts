import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pulled } from '../stream-stages';
import { IntegrityError } from '../errors';

/** File layout: magic, 12-byte IV, ciphertext, 16-byte GCM tag. */
const MAGIC = Buffer.from('CORE1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes an encrypted file has beyond its plaintext. */
export const ENCRYPTION_OVERHEAD = MAGIC.length + IV_BYTES + TAG_BYTES;

/** Encrypts a stream with AES-256-GCM: header first, tag appended at the end. */
export function encryptStream(key: Buffer): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const out = cipher.update(chunk);
      if (!headerSent) {
        headerSent = true;
        done(null, Buffer.concat([MAGIC, iv, out]));
      } else done(null, out);
    },
    flush(done) {
      const final = cipher.final();
      const header = headerSent ? Buffer.alloc(0) : Buffer.concat([MAGIC, iv]);
      done(null, Buffer.concat([header, final, cipher.getAuthTag()]));
    },
  });
}

/**
 * Decrypts a file written by `encryptStream`. The tag is read first from the file's end, so a
 * tampered or wrongly keyed file fails the stream with `IntegrityError` at its end.
 */
export async function decryptFile(path: string, key: Buffer, size: number): Promise<Readable> {
  if (size < ENCRYPTION_OVERHEAD) throw new IntegrityError(`${path} is too short to be an encrypted object`);
  const handle = await open(path, 'r');
  const head = Buffer.alloc(MAGIC.length + IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(head, 0, head.length, 0);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new IntegrityError(`${path} is not an encrypted object (bad header)`);
  const decipher = createDecipheriv('aes-256-gcm', key, head.subarray(MAGIC.length));
  decipher.setAuthTag(tag);
  // Pulled, not piped: the authentication failure of a small file must not fire before anyone listens.
  return pulled(
    () => createReadStream(path, { start: head.length, end: size - TAG_BYTES - 1, highWaterMark: 1024 * 1024 }),
    (chunk) => decipher.update(chunk),
    () => {
      try {
        decipher.final();
      } catch (error) {
        throw new IntegrityError('encrypted object failed authentication: wrong key or tampered data', { cause: error });
      }
    },
  );
}
