import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import {
  analyzeCosts,
  applyExpiration,
  listAll,
  replicate,
  toAzurePolicy,
  toS3Lifecycle,
  validateLifecycle,
  type Classification,
  type LifecycleRule,
  type StorageProvider,
} from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/config';
import { transferBar } from '../progress-bar';
import { s3Provider, storageFor } from '../storage-for';

/** Output and exit status of a storage subcommand. */
export interface StorageIo {
  stdout(text: string): void;
  /** Where progress bars go (stderr). */
  progress: NodeJS.WritableStream;
  /** Sets the exit status without throwing (failed replications). */
  fail(code: number): void;
}

const CLASSIFICATIONS = ['public', 'internal', 'confidential'];

/** A replication target: a folder (`./backup`, `file:///srv/copy`) or `s3://bucket[/prefix]`. */
function targetFor(spec: string, config: Config): StorageProvider {
  if (spec.startsWith('s3://')) {
    const url = new URL(spec);
    const region = config.storage.kind === 's3' ? config.storage.region : process.env.AWS_REGION || 'us-east-1';
    const endpoint = config.storage.kind === 's3' ? config.storage.endpoint : process.env.S3_ENDPOINT;
    const prefix = url.pathname.replace(/^\//, '');
    return s3Provider(url.hostname, region, endpoint, prefix === '' ? undefined : prefix.endsWith('/') ? prefix : `${prefix}/`);
  }
  return new LocalProvider({ root: spec.startsWith('file://') ? new URL(spec).pathname : spec });
}

/** `core storage …`: ls, put, get, rm, replicate, lifecycle, analyze-costs on the profile's store. */
export function storageCommand(loadConfig: () => Config, io: StorageIo): Command {
  const command = new Command('storage').description('Objects in the profile\'s store (local disk in development, S3 in production).');
  const store = () => storageFor(loadConfig().storage);

  command
    .command('ls [prefix]')
    .description('List objects under a prefix (all pages).')
    .option('-d, --delimiter <char>', 'group keys by this delimiter (one level)')
    .action(async (prefix: string | undefined, opts: { delimiter?: string }) => {
      const provider = store();
      if (opts.delimiter) {
        let cursor: string | undefined;
        let shown = 0;
        do {
          const page = await provider.list({ ...(prefix ? { prefix } : {}), delimiter: opts.delimiter, ...(cursor ? { cursor } : {}) });
          for (const p of page.prefixes) io.stdout(`${'DIR'.padStart(12)}  ${p}\n`);
          for (const o of page.objects) io.stdout(`${String(o.size).padStart(12)}  ${o.key}\n`);
          shown += page.prefixes.length + page.objects.length;
          cursor = page.cursor;
        } while (cursor);
        if (shown === 0) io.stdout(`no objects${prefix ? ` under "${prefix}"` : ''}\n`);
        return;
      }
      let shown = 0;
      for await (const o of listAll(provider, prefix ? { prefix } : {})) {
        io.stdout(`${String(o.size).padStart(12)}  ${o.lastModified.toISOString()}  ${o.key}\n`);
        shown++;
      }
      if (shown === 0) io.stdout(`no objects${prefix ? ` under "${prefix}"` : ''}\n`);
    });

  command
    .command('put <file> <key>')
    .description('Upload a file, with a progress bar.')
    .option('--content-type <type>', 'Content-Type to store')
    .option('--classification <label>', 'public | internal | confidential (confidential is encrypted)', (v: string) => {
      if (!CLASSIFICATIONS.includes(v)) throw new InvalidArgumentError(`expected one of ${CLASSIFICATIONS.join(', ')}`);
      return v as Classification;
    })
    .action(async (file: string, key: string, opts: { contentType?: string; classification?: Classification }) => {
      const size = (await stat(file)).size;
      const bar = transferBar(`put ${key}`, size, io.progress);
      try {
        const info = await store().put(key, { path: file }, {
          ...(opts.contentType ? { contentType: opts.contentType } : {}),
          ...(opts.classification ? { classification: opts.classification } : {}),
          onProgress: (p) => bar.update(p.bytes),
        });
        bar.stop();
        io.stdout(`stored ${info.key} (${info.size} bytes, sha256 ${info.checksum?.value ?? 'n/a'})\n`);
      } catch (error) {
        bar.stop();
        throw error;
      }
    });

  command
    .command('get <key> <file>')
    .description('Download an object to a file, verifying its checksum, with a progress bar.')
    .action(async (key: string, file: string) => {
      const provider = store();
      const info = await provider.stat(key);
      const bar = transferBar(`get ${key}`, info.size, io.progress);
      try {
        await pipeline(await provider.get(key, { verify: info.checksum !== undefined, onProgress: (p) => bar.update(p.bytes) }), createWriteStream(file));
      } finally {
        bar.stop();
      }
      io.stdout(`wrote ${file} (${info.size} bytes)\n`);
    });

  command
    .command('rm <keys...>')
    .description('Delete objects.')
    .action(async (keys: string[]) => {
      io.stdout(`deleted ${await store().delete(keys)} object(s)\n`);
    });

  command
    .command('replicate <target>')
    .description('Copy objects to a folder or s3://bucket[/prefix], skipping identical ones and verifying each copy.')
    .option('--prefix <prefix>', 'only keys under this prefix')
    .action(async (target: string, opts: { prefix?: string }) => {
      const config = loadConfig();
      const source = storageFor(config.storage);
      const total = await countObjects(source, opts.prefix);
      const bar = transferBar('replicate', total, io.progress);
      const report = await replicate(source, targetFor(target, config), {
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
        onProgress: (p) => bar.update(p.done),
      }).finally(() => bar.stop());
      io.stdout(`copied ${report.copied.length}, skipped ${report.skipped.length} identical, failed ${report.failed.length}; ${report.bytesCopied} bytes\n`);
      for (const f of report.failed) io.stdout(`  failed ${f.key}: ${f.error}\n`);
      if (report.failed.length > 0) io.fail(1);
    });

  command
    .command('lifecycle <rules.json>')
    .description('Validate lifecycle rules and print the provider configuration; on local disk, --apply enforces expirations.')
    .option('--target <provider>', 's3 | azure | local (default: the profile\'s store)')
    .option('--apply', 'local disk: delete the objects the rules expire')
    .action(async (file: string, opts: { target?: 's3' | 'azure' | 'local'; apply?: boolean }) => {
      const config = loadConfig();
      const rules = JSON.parse(await readFile(file, 'utf8')) as LifecycleRule[];
      const target = opts.target ?? (config.storage.kind === 's3' ? 's3' : 'local');
      validateLifecycle(target, rules);
      if (target === 's3') io.stdout(`${JSON.stringify(toS3Lifecycle(rules), null, 2)}\n`);
      else if (target === 'azure') io.stdout(`${JSON.stringify({ policy: toAzurePolicy(rules) }, null, 2)}\n`);
      else if (opts.apply) io.stdout(`expired ${(await applyExpiration(storageFor(config.storage), rules)).length} object(s)\n`);
      else io.stdout(`${rules.length} rule(s) valid for local disk; run with --apply to enforce expirations\n`);
    });

  command
    .command('analyze-costs [prefix]')
    .description('Monthly cost of the stored objects and the storage class each should be in.')
    .option('--provider <name>', 'price table to use: s3 | azure | gcs', 's3')
    .action(async (prefix: string | undefined, opts: { provider: string }) => {
      const objects = [];
      for await (const o of listAll(store(), prefix ? { prefix } : {})) {
        objects.push({ key: o.key, size: o.size, storageClass: o.storageClass, lastAccess: o.lastModified });
      }
      const report = analyzeCosts(opts.provider, objects);
      io.stdout(`${report.objects} object(s): $${report.currentMonthlyCost.toFixed(4)}/month now, $${report.optimizedMonthlyCost.toFixed(4)} optimized (saves $${report.monthlySavings.toFixed(4)})\n`);
      for (const r of report.recommendations.slice(0, 50)) {
        io.stdout(`  ${r.key}: ${r.currentClass} → ${r.recommendedClass} saves $${r.monthlySavings.toFixed(4)}/month\n`);
      }
    });

  return command;
}

async function countObjects(provider: StorageProvider, prefix: string | undefined): Promise<number> {
  let n = 0;
  for await (const _ of listAll(provider, prefix ? { prefix } : {})) n++;
  return n;
}
