import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * The worker's program (plain JavaScript, evaluated: no file to locate in ESM, CJS, tsx or jest). It keeps
 * one running SHA-256 per file and answers each chunk with its blob id, in the order chunks arrive.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, createHmac } = require('node:crypto');
const key = workerData.macKey ? Buffer.from(workerData.macKey) : undefined;
const files = new Map();
parentPort.on('message', (m) => {
  let file = files.get(m.file);
  if (!file) { file = createHash('sha256'); files.set(m.file, file); }
  if (m.data) {
    const data = Buffer.from(m.data);
    file.update(data);
    parentPort.postMessage({ seq: m.seq, value: (key ? createHmac('sha256', key) : createHash('sha256')).update(data).digest('hex') });
  } else {
    files.delete(m.file);
    parentPort.postMessage({ seq: m.seq, value: file.digest('hex') });
  }
});
`;

/** Hashes file chunks (blob id) and whole files (SHA-256) off the main thread, or inline when no worker can run. */
export class ChunkHasher {
  private worker: Worker | undefined;
  private failed = false;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  private readonly inline = new Map<number, Hash>();
  private nextFile = 0;

  constructor(private readonly macKey: Buffer | undefined) {}

  /** A hasher that never starts a worker (small files). */
  static inline(macKey: Buffer | undefined): ChunkHasher {
    const hasher = new ChunkHasher(macKey);
    hasher.failed = true;
    return hasher;
  }

  private start(): Worker | undefined {
    if (this.worker || this.failed) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { macKey: this.macKey ? new Uint8Array(this.macKey) : undefined } });
      worker.unref(); // never keeps the process alive
      worker.on('message', ({ seq, value }: { seq: number; value: string }) => {
        this.waiting.get(seq)?.resolve(value);
        this.waiting.delete(seq);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => this.fail(new Error('the hashing worker exited')));
      this.worker = worker;
    } catch {
      this.failed = true;
    }
    return this.worker;
  }

  private fail(error: Error): void {
    this.failed = true;
    this.worker = undefined;
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }

  /** A handle for one file's chunks. */
  openFile(): number {
    return this.nextFile++;
  }

  private ask(file: number, data: Uint8Array | undefined): Promise<string> {
    const worker = this.start();
    if (!worker) return Promise.resolve(this.hashInline(file, data));
    const seq = this.seq++;
    const copy = data ? new Uint8Array(data) : undefined; // chunks are views of larger buffers: send a copy
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      worker.postMessage({ seq, file, data: copy }, copy ? [copy.buffer] : []);
    });
  }

  private hashInline(file: number, data: Uint8Array | undefined): string {
    let hash = this.inline.get(file);
    if (!hash) {
      hash = createHash('sha256');
      this.inline.set(file, hash);
    }
    if (!data) {
      this.inline.delete(file);
      return hash.digest('hex');
    }
    hash.update(data);
    const id: Hash | Hmac = this.macKey ? createHmac('sha256', this.macKey) : createHash('sha256');
    return id.update(data).digest('hex');
  }

  /** The blob id of a chunk of `file` (chunks of one file must be given in order). */
  chunkId(file: number, chunk: Uint8Array): Promise<string> {
    return this.ask(file, chunk);
  }

  /** The SHA-256 of every chunk given for `file`, in order. */
  fileSha256(file: number): Promise<string> {
    return this.ask(file, undefined);
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    await worker?.terminate();
  }
}
