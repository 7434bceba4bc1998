import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidQueryError } from '../errors';
import type { Database } from '../database';
import type { Repository } from '../repository';
import type { AuditLog } from './audit-log-entity';

/** What `log` records. */
export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId?: string;
  userId?: string;
  details?: Record<string, unknown>;
  success?: boolean;
  /** Default: now. */
  timestamp?: Date;
}

/** The result of `verify`: intact, or the first record that is not. */
export type AuditVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq: number; id: number | undefined; problem: 'altered' | 'deleted' | 'reordered'; detail: string };

const PAGE = 1_000;

/**
 * A tamper-evident audit trail: each record is signed with HMAC-SHA256 over its content and the
 * previous record's signature, so changing, removing or reordering any record breaks the chain from
 * there on, and `verify()` names the first broken record. Appends take the chain head under a lock
 * (one writer at a time), so concurrent writers cannot fork the chain.
 */
export class AuditTrail {
  readonly #db: Database;
  readonly #key: Buffer;

  constructor(db: Database, options: { key: string | Buffer }) {
    const key = Buffer.isBuffer(options.key) ? options.key : Buffer.from(options.key, 'utf8');
    if (key.length < 32) throw new InvalidQueryError('the audit key must be at least 32 bytes');
    this.#db = db;
    this.#key = key;
  }

  #repository(executorDb: { repository: Database['repository'] }): Repository<AuditLog> {
    return executorDb.repository<AuditLog>('AuditLog');
  }

  /** Appends a signed record; returns it. */
  async log(entry: AuditEntry): Promise<AuditLog> {
    if (!entry || typeof entry.action !== 'string' || typeof entry.resourceType !== 'string') throw new InvalidQueryError('audit entries need an action and a resourceType');
    return this.#db.transaction(async (tx) => {
      if (this.#db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['core.audit_logs']);
      const repo = this.#repository(tx);
      const head = (await repo.getMany({ orderBy: { seq: 'desc' }, limit: 1 })).items[0];
      const record: Omit<AuditLog, 'id' | 'signature'> = {
        seq: (head?.seq ?? 0) + 1,
        timestamp: entry.timestamp ?? new Date(),
        userId: entry.userId ?? null,
        action: entry.action,
        resourceType: entry.resourceType,
        resourceId: entry.resourceId ?? null,
        details: entry.details ?? null,
        success: entry.success ?? true,
        prevSignature: head?.signature ?? '',
      };
      return repo.create({ ...record, signature: this.#sign(record) });
    });
  }

  /** Walks the chain in order; the first record that was altered, deleted or reordered, if any. */
  async verify(): Promise<AuditVerification> {
    const repo = this.#repository(this.#db.primary());
    let previous: AuditLog | undefined;
    let checked = 0;
    let cursor: string | undefined;
    do {
      const page = await repo.getMany({ orderBy: { seq: 'asc' }, limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const row of page.items) {
        const expectedSeq = (previous?.seq ?? 0) + 1;
        if (!this.#valid(row)) return { ok: false, checked, seq: row.seq, id: row.id, problem: 'altered', detail: `record ${row.seq} does not match its signature` };
        if (row.seq !== expectedSeq) return { ok: false, checked, seq: expectedSeq, id: undefined, problem: 'deleted', detail: `record ${expectedSeq} is missing (next is ${row.seq})` };
        if (row.prevSignature !== (previous?.signature ?? '')) {
          return { ok: false, checked, seq: row.seq, id: row.id, problem: 'reordered', detail: `record ${row.seq} was signed after a different record than ${previous ? previous.seq : 'the start'}` };
        }
        previous = row;
        checked++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    return { ok: true, checked };
  }

  /** Records of one resource (and optionally a time range), oldest first, through the resource index. */
  async trail(resourceType: string, resourceId: string | undefined, range: { from?: Date; to?: Date; limit?: number } = {}): Promise<AuditLog[]> {
    const timestamp = range.from || range.to ? { ...(range.from ? { $gte: range.from } : {}), ...(range.to ? { $lt: range.to } : {}) } : undefined;
    const page = await this.#repository(this.#db).getMany({
      where: { resourceType, ...(resourceId !== undefined ? { resourceId } : {}), ...(timestamp ? { timestamp } : {}) },
      orderBy: { timestamp: 'asc' },
      limit: range.limit ?? 1_000,
    });
    return page.items;
  }

  #valid(row: AuditLog): boolean {
    const expected = Buffer.from(this.#sign(row), 'hex');
    const actual = Buffer.from(row.signature, 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  #sign(record: Omit<AuditLog, 'id' | 'signature'>): string {
    const content = JSON.stringify([
      record.seq,
      new Date(record.timestamp).toISOString(),
      record.userId,
      record.action,
      record.resourceType,
      record.resourceId,
      canonical(record.details),
      Boolean(record.success),
      record.prevSignature,
    ]);
    return createHmac('sha256', this.#key).update(content).digest('hex');
  }
}

/** JSON with sorted keys, so jsonb's key reordering does not look like tampering. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
