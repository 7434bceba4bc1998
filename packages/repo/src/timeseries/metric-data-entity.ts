import { EntitySchema } from 'typeorm';

/** One sample (the seed's metric_data). */
export interface MetricData {
  id: number;
  timestamp: Date;
  metricName: string;
  labels: Record<string, string> | null;
  value: number;
}

/** The metric_data table with the seed's (timestamp, metric_name) index, for `postgres` or `sqlite`. */
export function metricDataEntity(dialect: 'postgres' | 'sqlite'): EntitySchema<MetricData> {
  const pg = dialect === 'postgres';
  return new EntitySchema<MetricData>({
    name: 'MetricData',
    tableName: 'metric_data',
    columns: {
      id: { type: pg ? 'bigint' : 'integer', primary: true, generated: 'increment', transformer: { to: (v: number) => v, from: (v: unknown) => (v === null ? v : Number(v)) } },
      timestamp: { type: pg ? 'timestamptz' : 'datetime' },
      metricName: { name: 'metric_name', type: String, length: 255 },
      labels: { type: pg ? 'jsonb' : 'simple-json', nullable: true },
      value: { type: pg ? 'double precision' : 'real' },
    },
    indices: [
      { name: 'idx_metric_timestamp', columns: ['timestamp'] },
      { name: 'idx_metric_name', columns: ['metricName'] },
      { name: 'idx_metric_time_name', columns: ['timestamp', 'metricName'] },
      { name: 'idx_metric_name_time', columns: ['metricName', 'timestamp'] },
    ],
  });
}
