import { EntitySchema } from 'typeorm';

/** One audit record (the seed's audit_logs, plus the chain: sequence and signatures). */
export interface AuditLog {
  id: number;
  /** Position in the chain: 1, 2, 3 … with no gaps. */
  seq: number;
  timestamp: Date;
  userId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  details: Record<string, unknown> | null;
  success: boolean;
  /** The previous record's signature ('' for the first). */
  prevSignature: string;
  /** HMAC-SHA256 over this record's content and `prevSignature`, hex. */
  signature: string;
}

/** The audit_logs table with the seed's indexes, for `postgres` (timestamptz, jsonb) or `sqlite`. */
export function auditLogEntity(dialect: 'postgres' | 'sqlite'): EntitySchema<AuditLog> {
  const pg = dialect === 'postgres';
  return new EntitySchema<AuditLog>({
    name: 'AuditLog',
    tableName: 'audit_logs',
    columns: {
      id: { type: Number, primary: true, generated: 'increment' },
      seq: { type: 'bigint', unique: true, transformer: { to: (v: number) => v, from: (v: unknown) => (v === null ? v : Number(v)) } },
      timestamp: { type: pg ? 'timestamptz' : 'datetime' },
      userId: { name: 'user_id', type: String, length: 255, nullable: true },
      action: { type: String, length: 100 },
      resourceType: { name: 'resource_type', type: String, length: 50 },
      resourceId: { name: 'resource_id', type: String, length: 255, nullable: true },
      details: { type: pg ? 'jsonb' : 'simple-json', nullable: true },
      success: { type: Boolean, default: true },
      prevSignature: { name: 'prev_signature', type: String, length: 64 },
      signature: { type: String, length: 64 },
    },
    indices: [
      { name: 'idx_audit_timestamp', columns: ['timestamp'] },
      { name: 'idx_audit_action', columns: ['action'] },
      { name: 'idx_audit_resource_type', columns: ['resourceType'] },
      { name: 'idx_audit_timestamp_action', columns: ['timestamp', 'action'] },
      { name: 'idx_audit_user_timestamp', columns: ['userId', 'timestamp'] },
      { name: 'idx_audit_resource', columns: ['resourceType', 'resourceId', 'timestamp'] },
    ],
  });
}
