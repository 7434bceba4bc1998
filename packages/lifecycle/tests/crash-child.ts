// A retention run that is killed: by the parent at a random point (`random`), or by itself with
// SIGKILL at a chosen place — right after a batch's archive is recorded and before its delete
// (`after-archive`), inside the delete's transaction (`mid-delete`), or once an archive is uploaded
// but before it is verified and recorded (`mid-upload`). Prints `begin`/`ack` per batch for killAtRandom.
import type { StorageProvider } from '@core/cloud-storage';
import { LocalProvider } from '@core/cloud-storage/local';
import { Lifecycle } from '../src';
import type { LifecycleDatabase } from '../src';
import { postgresDatabase } from '../src/postgres';
import { sqliteDatabase } from '../src/sqlite';

const [dialect, connection, table, root, nowMs, mode, nth] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const at = Number(nth ?? '2');
const die = () => process.kill(process.pid, 'SIGKILL');

const real = dialect === 'postgres' ? postgresDatabase({ connection }) : sqliteDatabase({ database: connection });
let deletes = 0;
const database: LifecycleDatabase = {
  dialect: real.dialect,
  placeholder: (i, type) => real.placeholder(i, type),
  rowJson: (alias, columns) => real.rowJson(alias, columns),
  exact: (column) => real.exact(column),
  describe: (t) => real.describe(t),
  plannedIndex: (sql, params, o) => real.plannedIndex(sql, params, o),
  failureOf: (e) => real.failureOf(e),
  close: () => real.close(),
  transaction: async (options, fn) => {
    let archived = false;
    const result = await real.transaction(options, (tx) =>
      fn({
        query: async (sql, params) => {
          if (mode === 'mid-delete' && sql.startsWith(`DELETE FROM "${table}"`) && ++deletes === at) {
            await tx.query(sql, params);
            die();
          }
          if (/^UPDATE core_lifecycle_batches SET status/.test(sql) && params?.[0] === 'archived') archived = true;
          return tx.query(sql, params);
        },
      }),
    );
    if (mode === 'after-archive' && archived && ++deletes === at) die();
    return result;
  },
};

let uploads = 0;
/** Local disk that dies right after the `at`-th archive upload, before it can be verified. */
class DyingProvider extends LocalProvider {
  override async put(...args: Parameters<StorageProvider['put']>) {
    const info = await super.put(...args);
    if (mode === 'mid-upload' && args[0].includes('.ndjson') && ++uploads === at) die();
    return info;
  }
}
const storage = new DyingProvider({ root });

const lifecycle = new Lifecycle({
  database,
  archive: { storage, passphrase: 'crash test' },
  limits: { leaseMs: 200 },
  policies: [{ name: 'crash', table, timestampColumn: 'created_at', olderThan: '180d', action: 'archive-then-delete', batch: { initial: 4_000, max: 20_000, pauseMs: 0 } }],
});
process.stdout.write('ready\n');
await lifecycle.run({ now: new Date(Number(nowMs)), onProgress: () => process.stdout.write('begin batch\nack\n') });
await lifecycle.close();
process.stdout.write('finished\n');
// The parent waits for a SIGKILL: park until it comes.
setInterval(() => undefined, 1_000);
