import { createCipheriv } from 'node:crypto';
import { appendFile, mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Deterministic bytes (AES-CTR keystream): incompressible, reproducible across runs. */
export function randomBytesOf(length: number, seed: number): Buffer {
  const key = Buffer.alloc(32);
  key.writeUInt32LE(seed >>> 0);
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

const WORDS = 'the quick brown fox jumps over lazy dog backup restore snapshot repository chunk index pack tree blob verify prune forget daily weekly'.split(' ');

/** Log-like text (compresses ~5-8×). */
function textOf(length: number, seed: number): Buffer {
  const noise = randomBytesOf(Math.ceil(length / 8) + 16, seed);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const line = `${2026}-12-${String((noise[i % noise.length]! % 28) + 1).padStart(2, '0')} ${WORDS[noise[(i * 3) % noise.length]! % WORDS.length]} id=${noise.readUInt32LE((i * 4) % (noise.length - 4))} ${WORDS[noise[(i * 7) % noise.length]! % WORDS.length]} ok\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

/** "Binaries": runs of structure with random spans (compresses ~1.5-2×). */
function binaryOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  const noise = randomBytesOf(length, seed);
  for (let i = 0; i < length; i += 4096) {
    if ((i / 4096) % 2 === 0) noise.copy(out, i, i, Math.min(i + 4096, length));
    else out.fill(i & 0xff, i, Math.min(i + 4096, length));
  }
  return out;
}

/** The bench tree: text, binaries, incompressible media and a SQLite database, about `totalMiB`. */
export async function generateTree(root: string, totalMiB: number): Promise<void> {
  await rm(root, { recursive: true, force: true });
  const MiB = 1024 * 1024;
  let seed = 1;
  const share = (fraction: number) => Math.floor(totalMiB * MiB * fraction);
  const spread = async (folder: string, bytes: number, sizes: number[], make: (length: number, seed: number) => Buffer) => {
    await mkdir(join(root, folder), { recursive: true });
    let written = 0;
    for (let i = 0; written < bytes; i++) {
      const length = sizes[i % sizes.length]!;
      const sub = join(root, folder, `d${i % 16}`);
      await mkdir(sub, { recursive: true });
      await writeFile(join(sub, `f${i}.dat`), make(length, seed++));
      written += length;
    }
  };
  await spread('logs', share(0.35), [8 * 1024, 64 * 1024, 512 * 1024, 4 * MiB], textOf);
  await spread('bin', share(0.25), [256 * 1024, 2 * MiB, 16 * MiB], binaryOf);
  await spread('media', share(0.35), [1 * MiB, 8 * MiB, 48 * MiB], randomBytesOf);
  await mkdir(join(root, 'db'), { recursive: true });
  const db = new Database(join(root, 'db/app.sqlite'));
  db.exec('create table events (id integer primary key, at text, body text)');
  const insert = db.prepare('insert into events (at, body) values (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < Math.floor(share(0.05) / 200); i++) insert.run(new Date(1_700_000_000_000 + i * 1000).toISOString(), `event ${i} ${WORDS[i % WORDS.length]} `.repeat(6));
  })();
  db.close();
}

/** One "day" of change, about 1 % of the tree: rewrites inside large files, appends to logs, new and deleted files, new database rows. */
export async function changeTree(root: string, day: number): Promise<void> {
  const files: string[] = [];
  for (const folder of ['logs', 'bin', 'media']) {
    for (const sub of await readdir(join(root, folder))) for (const name of await readdir(join(root, folder, sub))) files.push(join(root, folder, sub, name));
  }
  files.sort();
  for (let i = 0; i < 6; i++) {
    const file = files[(day * 37 + i * 101) % files.length]!;
    const handle = await open(file, 'r+');
    const size = (await handle.stat()).size;
    await handle.write(randomBytesOf(Math.min(256 * 1024, size), 10_000 + day * 10 + i), 0, Math.min(256 * 1024, size), Math.floor(size / 3));
    await handle.close();
  }
  for (let i = 0; i < 20; i++) await appendFile(files[(day * 13 + i * 7) % files.length]!.replace(/\/(bin|media)\//, '/logs/'), textOf(16 * 1024, 20_000 + day * 100 + i)).catch(() => undefined);
  await mkdir(join(root, 'logs/new'), { recursive: true });
  for (let i = 0; i < 10; i++) await writeFile(join(root, 'logs/new', `day${day}-${i}.log`), textOf(200 * 1024, 30_000 + day * 100 + i));
  await rm(files[(day * 53) % files.length]!, { force: true });
  const db = new Database(join(root, 'db/app.sqlite'));
  const insert = db.prepare('insert into events (at, body) values (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(new Date().toISOString(), `day ${day} event ${i} `.repeat(6));
  })();
  db.close();
}
