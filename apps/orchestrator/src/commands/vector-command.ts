import { readFile } from 'node:fs/promises';
import type { Filter, VectorStore } from '@core/vector';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/config';
import { vectorsFor } from '../vectors-for';

/** Output of a vector subcommand. */
export interface VectorIo {
  stdout(text: string): void;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function finiteNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

function json<T>(what: string): (value: string) => T {
  return (value) => {
    try {
      return JSON.parse(value) as T;
    } catch {
      throw new InvalidArgumentError(`expected ${what} as JSON`);
    }
  };
}

/** Runs `fn` on the profile's store, read-only (a running service may hold the write lock), then closes it. */
async function withStore<T>(loadConfig: () => Config, fn: (store: VectorStore) => Promise<T>): Promise<T> {
  const store = vectorsFor(loadConfig().vectors, { sweep: false, readOnly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `core vector …`: ls, describe, query on the profile's vector store. */
export function vectorCommand(loadConfig: () => Config, io: VectorIo): Command {
  const command = new Command('vector').description('Vector collections (embedded index in development, Pinecone in production when configured).');

  command
    .command('ls')
    .description('List collections with their record counts.')
    .action(() =>
      withStore(loadConfig, async (store) => {
        const names = await store.listCollections();
        if (names.length === 0) io.stdout('no collections\n');
        for (const name of names) {
          const info = await store.describeCollection(name);
          io.stdout(`${name}\t${info.count} records\t${info.dimension}-d ${info.metric}\n`);
        }
      }),
    );

  command
    .command('describe <collection>')
    .description('Show a collection: dimension, metric, index parameters, TTL, counts per namespace, bytes.')
    .action((name: string) =>
      withStore(loadConfig, async (store) => {
        io.stdout(`${JSON.stringify(await store.describeCollection(name), null, 2)}\n`);
      }),
    );

  command
    .command('query <collection>')
    .description('Nearest records to a vector (JSON array) or to a stored record (--id); prints JSON lines.')
    .option('-v, --vector <json>', 'query vector, e.g. "[0.1, 0.2, 0.3]"', json<number[]>('a vector'))
    .option('-f, --vector-file <path>', 'read the query vector (a JSON array) from a file')
    .option('-i, --id <id>', 'use the vector of this stored record')
    .option('-k, --top-k <n>', 'results to return', positiveInteger, 10)
    .option('--filter <json>', 'metadata filter in Pinecone\'s language, e.g. \'{"kind":{"$eq":"alert"}}\'', json<Filter>('a filter'))
    .option('--min-score <score>', 'drop matches scoring below this (higher is closer)', finiteNumber)
    .option('-n, --namespace <name>', 'namespace inside the collection')
    .action(
      (
        name: string,
        opts: { vector?: number[]; vectorFile?: string; id?: string; topK: number; filter?: Filter; minScore?: number; namespace?: string },
      ) =>
        withStore(loadConfig, async (store) => {
          const vector = opts.vectorFile ? json<number[]>('a vector')(await readFile(opts.vectorFile, 'utf8')) : opts.vector;
          if ((vector === undefined) === (opts.id === undefined)) throw new InvalidArgumentError('give exactly one of --vector, --vector-file or --id');
          const collection = await store.collection(name);
          const matches = await collection.query({
            ...(vector ? { vector } : { id: opts.id! }),
            topK: opts.topK,
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
            ...(opts.namespace ? { namespace: opts.namespace } : {}),
          });
          if (matches.length === 0) io.stdout('no matches\n');
          for (const match of matches) io.stdout(`${JSON.stringify(match)}\n`);
        }),
    );

  return command;
}
