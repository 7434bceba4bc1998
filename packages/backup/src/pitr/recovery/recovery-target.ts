import { InvalidOptionsError } from '../../errors';
import { formatLsn, parseLsn } from '../lsn';
import type { Lsn } from '../lsn';

/**
 * Where recovery stops: one of a time, a transaction id, a named restore point (`pg_create_restore_point`),
 * a WAL location, `immediate` (as soon as the base backup is consistent) or `latest` (the end of the
 * archive, the default). `inclusive` (default true) stops just after the target rather than just before it.
 */
export interface RecoveryTarget {
  time?: Date | string;
  xid?: string | number;
  name?: string;
  lsn?: string;
  immediate?: boolean;
  latest?: boolean;
  inclusive?: boolean;
}

/** A target after validation. */
export type ParsedTarget =
  | { kind: 'time'; time: Date; inclusive: boolean }
  | { kind: 'xid'; xid: string; inclusive: boolean }
  | { kind: 'name'; name: string }
  | { kind: 'lsn'; lsn: Lsn; inclusive: boolean }
  | { kind: 'immediate' }
  | { kind: 'latest' };

/** Checks that exactly one target is given and well-formed; conflicts are `InvalidOptionsError`s naming the fields. */
export function parseTarget(target: RecoveryTarget = {}): ParsedTarget {
  const given = (['time', 'xid', 'name', 'lsn', 'immediate', 'latest'] as const).filter((key) => target[key] !== undefined && target[key] !== false);
  if (given.length > 1) throw new InvalidOptionsError(`target: give one of time, xid, name, lsn, immediate or latest (got ${given.join(' and ')})`);
  const kind = given[0] ?? 'latest';
  const inclusive = target.inclusive ?? true;
  if (target.inclusive !== undefined && (kind === 'name' || kind === 'immediate' || kind === 'latest')) throw new InvalidOptionsError(`target.inclusive applies to time, xid and lsn targets, not ${kind}`);
  switch (kind) {
    case 'time': {
      const time = target.time instanceof Date ? target.time : new Date(String(target.time));
      if (Number.isNaN(time.getTime())) throw new InvalidOptionsError(`target.time must be an ISO 8601 time with an offset (got ${JSON.stringify(target.time)})`);
      return { kind, time, inclusive };
    }
    case 'xid': {
      const xid = String(target.xid);
      if (!/^\d{1,20}$/.test(xid) || BigInt(xid) < 3n) throw new InvalidOptionsError(`target.xid must be a transaction id (a whole number ≥ 3; got ${JSON.stringify(target.xid)})`);
      return { kind, xid, inclusive };
    }
    case 'name': {
      const name = String(target.name);
      if (name.length === 0 || name.length > 63 || /[\0\n']/.test(name)) throw new InvalidOptionsError('target.name must be a restore point name of 1–63 characters without quotes or newlines');
      return { kind, name };
    }
    case 'lsn':
      return { kind, lsn: parseLsn(String(target.lsn), 'target.lsn'), inclusive };
    default:
      return { kind };
  }
}

/** The `recovery_target_*` settings for a target (always promoting at the end). */
export function recoverySettings(target: ParsedTarget): Record<string, string> {
  const settings: Record<string, string> = { recovery_target_timeline: 'latest', recovery_target_action: 'promote' };
  switch (target.kind) {
    case 'time':
      return { ...settings, recovery_target_time: target.time.toISOString().replace('T', ' ').replace('Z', '+00'), recovery_target_inclusive: String(target.inclusive) };
    case 'xid':
      return { ...settings, recovery_target_xid: target.xid, recovery_target_inclusive: String(target.inclusive) };
    case 'name':
      return { ...settings, recovery_target_name: target.name };
    case 'lsn':
      return { ...settings, recovery_target_lsn: formatLsn(target.lsn), recovery_target_inclusive: String(target.inclusive) };
    case 'immediate':
      return { ...settings, recovery_target: 'immediate' };
    default:
      return settings;
  }
}

/** Writes settings as configuration lines (values quoted). */
export function configLines(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} = '${value.replace(/'/g, "''")}'`)
    .join('\n');
}
