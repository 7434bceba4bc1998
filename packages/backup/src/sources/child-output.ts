import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedError, BackupError, SourceError } from '../errors';

/** How long a dump tool may go without producing a byte before it is killed (default 60 s). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Options of `runTool` and `toolOutput`. */
export interface ToolOptions {
  env?: Record<string, string>;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Bytes piped to the tool's stdin (a restore). */
  input?: Readable;
}

function describeExit(command: string, code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  return `${command} ${code === null ? `was killed (${signal})` : `exited with ${code}`}${tail ? `: ${tail}` : ''}`;
}

/**
 * Streams a tool's stdout (pg_dump, mongodump …). The tool is killed when it goes silent for
 * `idleTimeoutMs` (a stalled server) or the signal aborts; a non-zero exit is a `SourceError` with the
 * end of its stderr, thrown from the iteration so no snapshot is written.
 */
export async function* toolOutput(command: string, args: string[], options: ToolOptions = {}): AsyncGenerator<Buffer> {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (piece: Buffer) => {
    stderr = (stderr + piece.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error) => reject(new SourceError(`cannot run ${command}: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  exited.catch(() => undefined);
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let idle = false;
  let timer = setTimeout(() => ((idle = true), child.kill('SIGKILL')), idleMs);
  const onAbort = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const piece of child.stdout) {
      clearTimeout(timer);
      timer = setTimeout(() => ((idle = true), child.kill('SIGKILL')), idleMs);
      yield piece as Buffer;
    }
    const { code, signal } = await exited;
    if (options.signal?.aborted) throw new AbortedError(`${command} was aborted`);
    if (idle) {
      const tail = stderr.trim().split('\n').slice(-2).join(' | ');
      throw new SourceError(`${command} produced nothing for ${idleMs} ms and was stopped (is the server stalled?${tail ? ` it said: ${tail}` : ''})`);
    }
    if (code !== 0) throw new SourceError(describeExit(command, code, signal, stderr));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Runs a tool to completion (feeding `input` to its stdin); resolves to its stdout, or a `SourceError` naming the failure. */
export async function runTool(command: string, args: string[], options: ToolOptions = {}): Promise<string> {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (piece: Buffer) => (stdout += piece.toString()));
  child.stderr!.on('data', (piece: Buffer) => (stderr = (stderr + piece.toString()).slice(-4000)));
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS * 10;
  const timer = setTimeout(() => child.kill('SIGKILL'), idleMs);
  const onAbort = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (error) => reject(new SourceError(`cannot run ${command}: ${error.message}`, { cause: error })));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    const fed = options.input ? pipeline(options.input, child.stdin as Writable).catch((error: unknown) => error) : Promise.resolve(undefined);
    const [{ code, signal }, feedError] = await Promise.all([exited, fed]);
    if (options.signal?.aborted) throw new AbortedError(`${command} was aborted`);
    if (feedError instanceof BackupError) throw feedError;
    if (code !== 0) throw new SourceError(describeExit(command, code, signal, stderr), feedError ? { cause: feedError } : undefined);
    if (feedError && (feedError as NodeJS.ErrnoException).code !== 'EPIPE') throw feedError;
    return stdout;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
