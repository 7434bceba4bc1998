import { createPgDatabase } from '@core/testing';
import { auditLogEntity, metricDataEntity } from '../src';
import { postgresDatabase } from '../src/postgres';
import { repoConformance } from './conformance';
import { AccountEntity } from './entities';

repoConformance('PostgreSQL (real server)', async () => {
  const scratch = await createPgDatabase('repo');
  const db = await postgresDatabase({ url: scratch.url, entities: [AccountEntity, auditLogEntity('postgres'), metricDataEntity('postgres')], synchronize: true, pool: { max: 5 } });
  return {
    db,
    async dispose() {
      await db.close();
      await scratch.drop();
    },
  };
});
