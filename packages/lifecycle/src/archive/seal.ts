import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { ArchiveMismatchError } from '../errors';

const MAGIC = Buffer.from('CLA1');
const SALT = 16;
const NONCE = 12;
const TAG = 16;

/** Derives 32-byte keys from one passphrase (scrypt N=2^15, r=8, p=1), once per salt. */
export class ArchiveKeys {
  readonly #passphrase: string;
  readonly #keys = new Map<string, Promise<Buffer>>();
  readonly #salt = randomBytes(SALT);

  constructor(passphrase: string) {
    this.#passphrase = passphrase;
  }

  #key(salt: Buffer): Promise<Buffer> {
    const id = salt.toString('hex');
    let key = this.#keys.get(id);
    if (!key) {
      key = new Promise((resolve, reject) => scrypt(this.#passphrase, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))));
      this.#keys.set(id, key);
    }
    return key;
  }

  /** AES-256-GCM: magic | salt | nonce | ciphertext | tag (one salt per instance, so the key is derived once). */
  async seal(plain: Buffer): Promise<Buffer> {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', await this.#key(this.#salt), nonce);
    cipher.setAAD(MAGIC);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, this.#salt, nonce, body, cipher.getAuthTag()]);
  }

  /** Reverses `seal`; a wrong passphrase or a changed byte is an `ArchiveMismatchError`. */
  async open(sealed: Buffer, key: string): Promise<Buffer> {
    if (sealed.length < MAGIC.length + SALT + NONCE + TAG || !sealed.subarray(0, 4).equals(MAGIC)) throw new ArchiveMismatchError(key, 'not a sealed archive');
    const salt = sealed.subarray(4, 4 + SALT);
    const nonce = sealed.subarray(4 + SALT, 4 + SALT + NONCE);
    const decipher = createDecipheriv('aes-256-gcm', await this.#key(salt), nonce);
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(4 + SALT + NONCE, sealed.length - TAG)), decipher.final()]);
    } catch {
      throw new ArchiveMismatchError(key, 'authentication failed: wrong passphrase or changed bytes');
    }
  }
}
