import { spawn } from 'node:child_process';

/** What a killed writer had said: each acknowledged operation, and the one it had begun, if any. */
export interface KilledRun {
  /** Fields of each `begin …` line that was followed by `ack`. */
  acked: string[][];
  /** Fields of the last `begin …` line with no `ack` after it: it may or may not have landed. */
  pending: string[] | undefined;
}

/**
 * Runs a TypeScript writer (`script`, through tsx with the `@core/source` condition) that prints
 * `ready`, then `begin <fields…>` before and `ack` after each operation; kills it with SIGKILL
 * `jitterMs` after its `killAfterAcks`-th ack (or after `ready` for 0), and reports what it had
 * acknowledged. The crash tests of every package that claims durability are built on it.
 */
export function killAtRandom(script: string, args: string[], killAfterAcks: number, jitterMs: number): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: KilledRun = { acked: [], pending: undefined };
    let buffer = '';
    let stderr = '';
    let killing = false;
    const kill = () => {
      if (killing) return;
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), jitterMs);
    };
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [word, ...fields] = line.split(' ');
        if (word === 'begin') run.pending = fields;
        else if (word === 'ack' && run.pending) {
          run.acked.push(run.pending);
          run.pending = undefined;
          if (run.acked.length >= killAfterAcks) kill();
        } else if (word === 'ready' && killAfterAcks === 0) kill();
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(run) : reject(new Error(`writer exited with ${code} before it was killed: ${stderr}`))));
  });
}

/** A small deterministic generator (LCG) so a failing crash run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}
